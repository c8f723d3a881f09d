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

async function start(args: string[]) {
  const dev = await startDev(args);
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
