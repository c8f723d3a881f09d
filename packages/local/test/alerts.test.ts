import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../src/runtime/runtime.js";
import { connectDevice, faultyFreestyle, settle, startRuntime, waitFor } from "./helpers.js";

let runtime: Runtime;
let seq = 0;

beforeAll(async () => {
  runtime = await startRuntime();
});

afterAll(async () => {
  await runtime.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: API responses are asserted field by field.
type Json = any;

const api = async (path: string, init?: RequestInit): Promise<{ status: number; body: Json }> => {
  const response = await fetch(`${runtime.urls.http}${path}`, {
    ...init,
    headers: { "content-type": "application/json" },
  });
  return { status: response.status, body: response.status === 204 ? undefined : await response.json() };
};

async function device(thing: string, type: "freestyle" | "robot") {
  const { token } = await runtime.registry.register(thing, type);
  const client = await connectDevice(runtime.urls.mqtt, thing, token);
  const alerts: Array<Record<string, unknown>> = [];
  const deltas: Array<Record<string, unknown>> = [];
  await client.subscribeAsync(
    [`alerts/fleetline/${type}/${thing}`, `$aws/things/${thing}/shadow/update/delta`],
    { qos: 1 },
  );
  client.on("message", (topic, payload) => {
    const body = JSON.parse(payload.toString());
    if (topic.startsWith("alerts/")) alerts.push(body);
    else deltas.push(body.state);
  });
  return { client, alerts, deltas };
}

function freestyle(faults: unknown[], overrides: Record<string, unknown> = {}) {
  seq += 1;
  return faultyFreestyle(seq, faults, overrides);
}

async function publish(client: MqttClient, topic: string, payload: string) {
  await client.publishAsync(topic, payload, { qos: 1 });
}

describe("alerts and shadow writeback through the pipeline", () => {
  it("raises one alarm for 20 cooling failures, commands maintenance, sees it delivered, and clears once", async () => {
    const thing = "fs-alert-1";
    const { client, alerts, deltas } = await device(thing, "freestyle");
    const topic = `dt/fleetline/freestyle/${thing}/telemetry`;
    const cooling = [{ code: "COOLING_FAILURE", severity: "critical", detail: "compressor off" }];
    for (let i = 0; i < 20; i++) await publish(client, topic, freestyle(cooling));

    await waitFor(
      async () => (await api(`/api/alerts?thing=${thing}`)).body[0]?.occurrences === 20,
      "20 occurrences",
    );
    const open = (await api(`/api/alerts?thing=${thing}&status=open`)).body;
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({
      code: "COOLING_FAILURE",
      severity: "critical",
      status: "open",
      occurrences: 20,
    });
    const fleet = (await api("/api/devices")).body as Array<{ thing: string; openAlerts: number }>;
    expect(fleet.find((d) => d.thing === thing)?.openAlerts).toBe(1);
    await waitFor(() => deltas.length > 0 && alerts.length > 0, "the alert and the delta");
    expect(alerts).toEqual([expect.objectContaining({ code: "COOLING_FAILURE", status: "open" })]);
    expect(deltas).toEqual([{ mode: "maintenance" }]);
    const [command] = (await api(`/api/commands?thing=${thing}`)).body;
    expect(command).toMatchObject({
      thing,
      desired: { mode: "maintenance" },
      status: "pending",
      clientToken: expect.any(String),
    });

    // The device obeys and reports it in its shadow: the command-confirmation rule sees it.
    await publish(
      client,
      `$aws/things/${thing}/shadow/update`,
      JSON.stringify({ state: { reported: { mode: "maintenance" } } }),
    );
    await waitFor(
      async () => (await api(`/api/commands?thing=${thing}`)).body[0]?.status === "delivered",
      "delivery",
    );

    for (let i = 0; i < 4; i++) await publish(client, topic, freestyle([], { state: "maintenance" }));
    await waitFor(() => alerts.length === 2, "the clear");
    expect(alerts[1]).toMatchObject({
      code: "COOLING_FAILURE",
      status: "cleared",
      clearedAt: expect.any(Number),
    });
    expect((await api(`/api/alerts?thing=${thing}&status=cleared`)).body).toHaveLength(1);
    expect((await api(`/api/devices/${thing}`)).body.openAlerts).toEqual([]);
    const after = (await api("/api/devices")).body as Array<{ thing: string; openAlerts: number }>;
    expect(after.find((d) => d.thing === thing)?.openAlerts).toBe(0);
    expect(deltas).toHaveLength(1);
    await client.endAsync();
  });

  it("does not re-raise a flapping fault", async () => {
    const thing = "fs-alert-flap";
    const { client, alerts } = await device(thing, "freestyle");
    const topic = `dt/fleetline/freestyle/${thing}/telemetry`;
    for (let i = 0; i < 10; i++) {
      await publish(
        client,
        topic,
        freestyle(i % 2 === 0 ? [{ code: "NOZZLE_CLOG", severity: "minor" }] : []),
      );
    }
    await waitFor(
      async () => (await api(`/api/alerts?thing=${thing}`)).body[0]?.occurrences === 5,
      "5 occurrences",
    );
    expect((await api(`/api/alerts?thing=${thing}`)).body).toHaveLength(1);
    expect(alerts.filter((a) => a.status === "open")).toHaveLength(1);
    await client.endAsync();
  });

  it("tells a robot with a critical battery to dock, and raises STUCK only after more than 2 reports", async () => {
    const thing = "rb-alert-1";
    const { client, deltas } = await device(thing, "robot");
    const topic = `dt/fleetline/robot/${thing}/telemetry`;
    const report = (state: string, faults: unknown[]) => {
      seq += 1;
      return JSON.stringify({
        v: 1,
        seq,
        ts: Date.now(),
        metrics: { batteryPct: 3, state, binFull: false, x: 1, y: 1, areaM2: 2, rssiDbm: -60 },
        faults,
      });
    };
    await publish(client, topic, report("returning", [{ code: "BATTERY_CRITICAL", severity: "critical" }]));
    await waitFor(() => deltas.length > 0, "the dock command");
    expect(deltas[0]).toEqual({ command: "dock" });

    await publish(client, topic, report("stuck", []));
    await publish(client, topic, report("stuck", []));
    await waitFor(async () => (await api(`/api/stats`)).body.stored >= seq, "stored");
    await settle(runtime.urls.http);
    expect(
      (await api(`/api/alerts?thing=${thing}`)).body.filter((a: { code: string }) => a.code === "STUCK"),
    ).toEqual([]);
    await publish(client, topic, report("stuck", []));
    const stuck = await waitFor(async () => {
      const list = (await api(`/api/alerts?thing=${thing}`)).body.filter(
        (a: { code: string }) => a.code === "STUCK",
      );
      return list.length > 0 ? list : undefined;
    }, "the STUCK alarm");
    expect(stuck[0]).toMatchObject({ severity: "major", status: "open" });
    await client.endAsync();
  });

  it("acks an alarm, publishes the acked record, and answers 404 for an unknown one", async () => {
    const thing = "fs-alert-ack";
    const { client, alerts } = await device(thing, "freestyle");
    await publish(
      client,
      `dt/fleetline/freestyle/${thing}/telemetry`,
      freestyle([{ code: "CO2_LOW", severity: "major" }]),
    );
    await waitFor(() => alerts.length === 1, "the alarm");
    const acked = await api(`/api/alerts/${alerts[0]?.id}/ack`, { method: "POST" });
    expect(acked).toMatchObject({ status: 200, body: { status: "acked", ackedAt: expect.any(Number) } });
    await waitFor(() => alerts.length === 2, "the acked record");
    expect(alerts[1]).toMatchObject({ status: "acked" });
    expect((await api("/api/alerts/no-such-alert/ack", { method: "POST" })).status).toBe(404);
    expect((await api("/api/alerts?status=burning")).status).toBe(400);
    await client.endAsync();
  });

  it("locks a flavor whose cartridge reads 0 %", async () => {
    const thing = "fs-alert-lock";
    const { client, deltas } = await device(thing, "freestyle");
    await publish(
      client,
      `dt/fleetline/freestyle/${thing}/telemetry`,
      freestyle([], { state: "idle", cartridges: { cola: 0, lemon: 30 } }),
    );
    await waitFor(() => deltas.length > 0, "the lock");
    expect(deltas[0]).toEqual({ lockedFlavors: ["cola"] });
    await client.endAsync();
  });
});
