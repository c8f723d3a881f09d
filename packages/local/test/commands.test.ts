import { COMMAND_TTL_MS } from "@fleetline/core/alarms";
import { manualClock } from "@fleetline/core/common";
import { CONFIRM_FUNCTION } from "@fleetline/core/pipeline";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../src/runtime/runtime.js";
import { connectDevice, healthMetric, settle, startRuntime, waitFor } from "./helpers.js";

// biome-ignore lint/suspicious/noExplicitAny: API responses are asserted field by field.
type Json = any;

async function api(runtime: Runtime, path: string) {
  const response = await fetch(`${runtime.urls.http}${path}`);
  return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
}

let seq = 0;
function batteryCritical(): string {
  seq += 1;
  return JSON.stringify({
    v: 1,
    seq,
    ts: Date.now(),
    metrics: { batteryPct: 3, state: "returning", binFull: false, x: 1, y: 1, areaM2: 2, rssiDbm: -60 },
    faults: [{ code: "BATTERY_CRITICAL", severity: "critical", detail: "3%" }],
  });
}

/** A robot that reports a critical battery once: the pipeline sends it `dock` through its shadow. */
async function docked(runtime: Runtime, thing: string): Promise<{ client: MqttClient; command: Json }> {
  const { token } = await runtime.registry.register(thing, "robot");
  const client = await connectDevice(runtime.urls.mqtt, thing, token);
  await client.publishAsync(`dt/fleetline/robot/${thing}/telemetry`, batteryCritical(), { qos: 1 });
  const command = await waitFor(
    async () => (await api(runtime, `/api/commands?thing=${thing}`)).body[0],
    "the command",
  );
  expect(command).toMatchObject({ desired: { command: "dock" }, status: "pending" });
  return { client, command };
}

describe("commands confirmed by the device's shadow", () => {
  let runtime: Runtime;
  beforeAll(async () => {
    runtime = await startRuntime();
  });
  afterAll(async () => {
    await runtime.stop();
  });

  it("delivers a command within a second of the device's shadow report, with no telemetry in between", async () => {
    // Other cases share this runtime: what this one adds is counted from here.
    await settle(runtime.urls.http);
    const before = (await api(runtime, "/api/stats")).body;
    const { client } = await docked(runtime, "rb-cmd-fast");
    const reportedAt = Date.now();
    await client.publishAsync(
      "$aws/things/rb-cmd-fast/shadow/update",
      JSON.stringify({ state: { reported: { command: "dock" } } }),
      { qos: 1 },
    );
    // The confirmation counts what it delivered after recording it: the count is the later signal.
    const after = await waitFor(async () => {
      const { body } = await api(runtime, "/api/stats");
      return body.commandsDelivered > before.commandsDelivered ? body : undefined;
    }, "the delivery counted");
    const [delivered] = (await api(runtime, "/api/commands?thing=rb-cmd-fast")).body;
    expect(delivered.status).toBe("delivered");
    // The rule on update/documents brought the report; the device sent one telemetry message, before.
    expect(delivered.deliveredAt - reportedAt).toBeLessThan(1_000);
    expect({
      received: after.received - before.received,
      commandsDelivered: after.commandsDelivered - before.commandsDelivered,
    }).toEqual({ received: 1, commandsDelivered: 1 });
    await client.endAsync();
  });

  it("leaves a command pending while the device reports something else", async () => {
    const { client } = await docked(runtime, "rb-cmd-other");
    await client.publishAsync(
      "$aws/things/rb-cmd-other/shadow/update",
      JSON.stringify({ state: { reported: { command: "clean" } } }),
      { qos: 1 },
    );
    await waitFor(
      async () => Number(await healthMetric(runtime, "functions", "invoked")) >= 1,
      "the confirm function",
    );
    await settle(runtime.urls.http);
    expect((await api(runtime, "/api/commands?thing=rb-cmd-other")).body[0]).toMatchObject({
      status: "pending",
    });
    await client.endAsync();
  });

  it("counts and logs a malformed shadow document or an unknown thing, and confirms the next device anyway", async () => {
    const { client } = await docked(runtime, "rb-cmd-after");
    const before = (await api(runtime, "/api/stats")).body.shadowDocumentsRejected;
    // As the rule would hand them over, had an external broker let a client forge the documents topic.
    await runtime.invocations.invoke(CONFIRM_FUNCTION, "garbage");
    await runtime.invocations.invoke(CONFIRM_FUNCTION, {
      thing: "no such thing!",
      reported: { command: "dock" },
    });
    await runtime.invocations.invoke(CONFIRM_FUNCTION, {
      thing: "rb-never-registered",
      reported: { command: "dock" },
    });
    await client.publishAsync(
      "$aws/things/rb-cmd-after/shadow/update",
      JSON.stringify({ state: { reported: { command: "dock" } } }),
      { qos: 1 },
    );
    await waitFor(
      async () => (await api(runtime, "/api/commands?thing=rb-cmd-after")).body[0]?.status === "delivered",
      "the other device's delivery",
    );
    expect((await api(runtime, "/api/stats")).body.shadowDocumentsRejected).toBe(before + 2);
    expect(await healthMetric(runtime, "functions", "sentToOnFailure")).toBe(0);
    expect((await api(runtime, "/api/health")).body.status).toBe("ok");
    await client.endAsync();
  });

  it("pages /api/commands and /api/alerts with limit and the x-next-cursor header", async () => {
    for (const thing of ["rb-page-1", "rb-page-2", "rb-page-3"]) (await docked(runtime, thing)).client.end();
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await api(runtime, `/api/commands?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      ids.push(...page.body.map((command: Json) => command.id));
      cursor = page.headers.get("x-next-cursor");
      pages += 1;
    } while (cursor);
    const all = (await api(runtime, "/api/commands?limit=1000")).body.map((command: Json) => command.id);
    expect(ids).toEqual(all);
    expect(pages).toBe(Math.ceil(all.length / 2));
    const first = await api(runtime, "/api/alerts?limit=1");
    expect(first.body).toHaveLength(1);
    expect(first.headers.get("x-next-cursor")).toEqual(expect.any(String));
    expect((await api(runtime, "/api/alerts?cursor=nonsense")).body).toMatchObject({
      error: { code: "INVALID_PARAMETER" },
    });
    expect((await api(runtime, "/api/rejected?limit=0")).status).toBe(400);
  });
});

describe("commands in an idle fleet", () => {
  const clock = manualClock(Date.now());
  let runtime: Runtime;
  beforeAll(async () => {
    runtime = await startRuntime({ sweepIntervalMs: 100 }, clock);
  });
  afterAll(async () => {
    await runtime.stop();
  });

  it("expire on the schedule once their deadline passes, with no telemetry arriving", async () => {
    const { client, command } = await docked(runtime, "rb-cmd-idle");
    await client.endAsync();
    clock.advance(COMMAND_TTL_MS - 1_000);
    await runtime.sweep();
    expect((await api(runtime, "/api/commands?thing=rb-cmd-idle")).body[0]).toMatchObject({
      status: "pending",
    });
    clock.advance(2_000);
    // The sweep counts what it expired once its pages are done: the count is the later signal.
    const stats = await waitFor(async () => {
      const { body } = await api(runtime, "/api/stats");
      return body.commandsExpired > 0 ? body : undefined;
    }, "the expiry counted");
    expect(stats).toMatchObject({ received: 1, commandsExpired: 1 });
    const [expired] = (await api(runtime, "/api/commands?thing=rb-cmd-idle")).body;
    expect(expired).toMatchObject({ id: command.id, status: "expired", expiredAt: clock.now() });
    const alarms = (await api(runtime, "/api/health")).body.components.find((c: Json) => c.name === "alarms");
    expect(alarms).toMatchObject({ status: "ok", metrics: { lastSweepAt: expect.any(Number) } });
  });
});
