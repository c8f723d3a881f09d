import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { settle, waitFor } from "@fleetline/testing";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type DevProcess,
  FREE_PORTS,
  fleetline,
  freestyleTelemetry,
  startDev,
} from "../../packages/cli/test/dev-process.js";

let dir: string;
const running: DevProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(process.cwd(), ".tmp", "dev-durability-"));
});

afterAll(async () => {
  for (const dev of running) await dev.stop("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

/**
 * `fleetline dev` for a burst test: its devices publish thousands a second from one connection, far
 * past IoT Core's 100, so IoT Core's limits are lifted, as for any load generator.
 */
async function start(args: string[]) {
  const dev = await startDev([...args, "--no-iot-limits"]);
  running.push(dev);
  return dev;
}

describe("fleetline dev on a data dir", () => {
  it("stores every acknowledged message exactly once across SIGTERM in a 5,000-message burst and a restart", async () => {
    const dataDir = join(dir, "burst");
    const first = await start(["--data-dir", dataDir]);
    const added = fleetline([
      "devices",
      "add",
      "fs-burst",
      "--type",
      "freestyle",
      "--url",
      first.http,
      "--json",
    ]);
    const { token } = JSON.parse(added.out);
    const client = await mqtt.connectAsync(first.mqtt, {
      clientId: "fs-burst",
      username: "fs-burst",
      password: token,
      reconnectPeriod: 0,
    });
    client.on("error", () => undefined);
    const t0 = Date.now();
    const acked = new Set<number>();
    for (let seq = 0; seq < 5000; seq++) {
      client
        .publishAsync("dt/fleetline/freestyle/fs-burst/telemetry", freestyleTelemetry(seq, t0 + seq), {
          qos: 1,
        })
        .then(
          () => acked.add(seq),
          () => undefined,
        );
    }
    await waitFor(() => acked.size >= 1500, "1,500 messages acknowledged", 60_000, 5);
    expect(await first.stop("SIGTERM")).toBe(0);
    client.end(true);
    // Mid-burst: some of the 5,000 were acknowledged, the rest never were.
    expect(acked.size).toBeGreaterThanOrEqual(1500);
    expect(acked.size).toBeLessThan(5000);

    const second = await start(["--data-dir", dataDir]);
    const url = `${second.http}/api/devices/fs-burst/telemetry?metric=co2Kpa&from=${t0}&to=${t0 + 5000}&bucket=1ms`;
    await settle(second.http, { timeoutMs: 60_000 });
    const { points } = (await (await fetch(url)).json()) as { points: Array<{ t: number; count: number }> };
    const stored = new Set(points.map((p) => p.t - t0));
    const missing = [...acked].filter((seq) => !stored.has(seq));
    expect(missing).toEqual([]);
    expect(points.every((p) => p.count === 1)).toBe(true);
    const stats = (await (await fetch(`${second.http}/api/stats`)).json()) as Record<string, number>;
    expect(stats.stored).toBe(points.length);
    expect(await second.stop()).toBe(0);
  }, 180_000);

  it("keeps jobs, executions and a rollout's progress across SIGKILL, and rolls on from there", async () => {
    const dataDir = join(dir, "jobs");
    const first = await start(["--data-dir", dataDir]);
    const tokens: Record<string, string> = {};
    for (const thing of ["rb-ota-1", "rb-ota-2", "rb-ota-3"]) {
      const added = fleetline(["devices", "add", thing, "--type", "robot", "--url", first.http, "--json"]);
      tokens[thing] = JSON.parse(added.out).token;
    }
    // One a minute: the first at once, the second a minute later — long after the restart.
    const created = fleetline([
      "jobs",
      "create",
      "fw-ota",
      "--things",
      "rb-ota-1",
      "rb-ota-2",
      "rb-ota-3",
      "--document-json",
      '{"operation":"firmware","version":"3.0.0"}',
      "--rate",
      "1",
      "--url",
      first.http,
    ]);
    expect(created).toMatchObject({ code: 0, out: expect.stringMatching(/^created fw-ota for 3 things/) });
    const device = await mqtt.connectAsync(first.mqtt, {
      clientId: "rb-ota-1",
      username: "rb-ota-1",
      password: tokens["rb-ota-1"],
      reconnectPeriod: 0,
    });
    device.on("error", () => undefined);
    const replies: Array<{ topic: string; document: Record<string, unknown> }> = [];
    device.on("message", (topic, payload) =>
      replies.push({ topic, document: JSON.parse(payload.toString()) }),
    );
    const topic = "$aws/things/rb-ota-1/jobs/start-next";
    await waitFor(async () => {
      await device.publishAsync(topic, JSON.stringify({ statusDetails: { step: "installing" } }), { qos: 1 });
      return replies.some((r) => r.topic === `${topic}/accepted` && r.document.execution);
    }, "rb-ota-1's execution started");
    // Acknowledged means saved: nothing is waited for before the kill.
    expect(await first.stop("SIGKILL")).not.toBe(0);
    device.end(true);

    const second = await start(["--data-dir", dataDir]);
    const described = fleetline(["jobs", "describe", "fw-ota", "--url", second.http, "--json"]);
    expect(described.code).toBe(0);
    const { job, executions } = JSON.parse(described.out);
    expect(job).toMatchObject({
      status: "IN_PROGRESS",
      jobProcessDetails: { numberOfInProgressThings: 1, numberOfQueuedThings: 0 },
    });
    expect(executions).toHaveLength(1);
    expect(executions[0]).toMatchObject({
      thingArn: expect.stringMatching(/thing\/rb-ota-1$/),
      jobExecutionSummary: { status: "IN_PROGRESS", executionNumber: 1 },
    });
    // The device is back and finds its execution where it left it.
    const back = await mqtt.connectAsync(second.mqtt, {
      clientId: "rb-ota-1",
      username: "rb-ota-1",
      password: tokens["rb-ota-1"],
      reconnectPeriod: 0,
    });
    back.on("error", () => undefined);
    const resumed = new Promise<Record<string, unknown>>((resolve) =>
      back.on("message", (t, payload) => {
        if (t === `${topic}/accepted`) resolve(JSON.parse(payload.toString()));
      }),
    );
    await back.publishAsync(topic, "{}", { qos: 1 });
    expect(await resumed).toMatchObject({
      execution: { jobId: "fw-ota", status: "IN_PROGRESS", statusDetails: { step: "installing" } },
    });
    await back.endAsync();
    const listed = fleetline(["jobs", "list", "--url", second.http]);
    expect(listed.out).toMatch(/^fw-ota\tIN_PROGRESS\t/);
    const canceled = fleetline(["jobs", "cancel", "fw-ota", "--url", second.http, "--comment", "test over"]);
    expect(canceled).toMatchObject({ code: 0, out: "canceled fw-ota\n" });
    expect(await second.stop()).toBe(0);
  }, 120_000);

  it("reports in one line that the data dir is locked by another running instance", async () => {
    const dataDir = join(dir, "locked");
    const holder = await start(["--data-dir", dataDir]);
    const second = fleetline(["dev", "--data-dir", dataDir, ...FREE_PORTS]);
    expect(second.code).toBe(1);
    expect(second.err.trim().split("\n")).toEqual([
      expect.stringMatching(/data dir .*locked is in use by another running fleetline/),
    ]);
    expect(await holder.stop()).toBe(0);
  });

  it("reports in one line that the data dir is not writable", async () => {
    const file = join(dir, "a-file");
    await writeFile(file, "not a directory");
    const result = fleetline([
      "dev",
      "--data-dir",
      join(file, "state"),
      "--mqtt-port",
      "0",
      "--http-port",
      "0",
    ]);
    expect(result.code).toBe(1);
    expect(result.err.trim().split("\n")).toEqual([
      expect.stringMatching(/data dir .* is not writable \(ENOTDIR\)/),
    ]);
  });

  it("names every port in use at once, with the flags that move them", async () => {
    const holder = await start(["--in-memory"]);
    const http = new URL(holder.http).port;
    const mqtt = new URL(holder.mqtt).port;
    const result = fleetline([
      "dev",
      "--in-memory",
      ...FREE_PORTS,
      // The last value given wins: the ports the first runtime holds.
      "--http-port",
      http,
      "--mqtt-port",
      mqtt,
    ]);
    expect(result.code).toBe(1);
    expect(result.err.trim()).toBe(
      `fleetline dev: HTTP port ${http}, MQTT port ${mqtt} are in use (another fleetline dev?); pass --http-port, --mqtt-port (0 picks a free port)`,
    );
    expect(await holder.stop()).toBe(0);
  });
});
