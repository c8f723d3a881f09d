import type { ComponentHealth, HealthReport } from "@fleetline/core/pipeline";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DiskFailures } from "../src/lib/disk-failures.js";
import type { InjectedFailures } from "../src/runtime/injected-failures.js";
import type { Runtime } from "../src/runtime/runtime.js";
import { connectDevice, faultyFreestyle, interceptKinesis, startRuntime, waitFor } from "./helpers.js";

// Each case injects its own fault into a runtime of its own: what one leaves behind (a degraded
// component, a refused record) never colours another's report.
let disk: DiskFailures;
let failures: InjectedFailures;
let runtime: Runtime;

beforeEach(async () => {
  disk = new DiskFailures();
  failures = { disk, storeThrottleRate: 0 };
  runtime = await startRuntime({ failures });
});

afterEach(async () => {
  disk.full = false;
  await runtime.stop();
});

async function health(): Promise<HealthReport> {
  const response = await fetch(`${runtime.urls.http}/api/health`);
  expect(response.status).toBe(200);
  return (await response.json()) as HealthReport;
}

async function component(name: string): Promise<ComponentHealth> {
  const found = (await health()).components.find((c) => c.name === name);
  if (!found) throw new Error(`no component ${name}`);
  return found;
}

async function healthz(): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${runtime.urls.http}/healthz`);
  return { status: response.status, body: await response.json() };
}

describe("GET /api/health", () => {
  it("reports every component of an idle pipeline ok", async () => {
    const report = await health();
    expect(report.status).toBe("ok");
    expect(report.components.map((c) => [c.name, c.status])).toEqual([
      ["broker", "ok"],
      ["rules", "ok"],
      ["eventSource:validate", "ok"],
      ["eventSource:store", "ok"],
      ["eventSource:alerts", "ok"],
      ["functions", "ok"],
      ["store", "ok"],
      ["queues", "ok"],
      ["alarms", "ok"],
      ["jobs", "ok"],
      ["provisioning", "ok"],
      ["runtime", "ok"],
    ]);
    expect((await component("eventSource:store")).metrics).toMatchObject({
      iteratorAgeMs: 0,
      recordsBehind: 0,
    });
    expect(await healthz()).toEqual({ status: 200, body: { status: "ok" } });
  });

  it("shows the rules down and /healthz 503 while the disk is full, and ok again when space returns", async () => {
    const { token } = await runtime.registry.register("fs-health-full", "freestyle");
    const device = await connectDevice(runtime.urls.mqtt, "fs-health-full", token);
    disk.full = true;
    const acked = device.publishAsync(
      "dt/fleetline/freestyle/fs-health-full/telemetry",
      faultyFreestyle(1, []),
      {
        qos: 1,
      },
    );
    const rules = await waitFor(async () => {
      const found = await component("rules");
      return found.status === "down" ? found : undefined;
    }, "the rules to be down");
    expect(rules.detail).toMatch(/^1 message unacknowledged.*No space left on device/);
    expect(await healthz()).toEqual({ status: 503, body: { status: "down", down: ["rules"] } });

    disk.full = false;
    await acked;
    await waitFor(async () => (await component("rules")).status === "ok", "the rules to recover");
    await waitFor(async () => (await healthz()).status === 200, "/healthz to answer 200");
    await device.endAsync();
  });

  it("shows the store degraded after a throttled write, with the store's error", async () => {
    failures.storeThrottleRate = 1;
    const { token } = await runtime.registry.register("fs-health-throttle", "freestyle");
    const device = await connectDevice(runtime.urls.mqtt, "fs-health-throttle", token);
    await device.publishAsync("dt/fleetline/freestyle/fs-health-throttle/telemetry", faultyFreestyle(1, []), {
      qos: 1,
    });
    const store = await waitFor(async () => {
      const found = await component("store");
      return found.status !== "ok" ? found : undefined;
    }, "the store to report the throttling");
    expect(store.detail).toMatch(/Rate exceeded \(injected\)/);
    const eventSource = await waitFor(async () => {
      const found = await component("eventSource:store");
      return found.status === "degraded" ? found : undefined;
    }, "the store's event source to retry");
    expect(eventSource.detail).toMatch(/retrying a failed batch|last function error/);
    failures.storeThrottleRate = 0;
    await waitFor(async () => {
      const points = await runtime.probe.query<{ n: bigint }>(
        "SELECT count(*) AS n FROM telemetry WHERE thing = 'fs-health-throttle'",
      );
      return Number(points[0]?.n) === 1;
    }, "the record to be stored after the retry");
    await device.endAsync();
  });

  it("shows the rules degraded when a message went to the rule-errors queue", async () => {
    // Kinesis refuses one thing's records, as it would a malformed request: they go to the error
    // action. (The runtime's own clients call the kinesis in-process; this wraps that client.)
    const restore = interceptKinesis(failures, async (command) => {
      if (command.input.Records?.some((r) => r.PartitionKey === "fs-health-refused")) {
        throw Object.assign(new Error("1 validation error detected"), {
          name: "ValidationException",
          $fault: "client",
          $metadata: { httpStatusCode: 400 },
        });
      }
    });
    try {
      const { token } = await runtime.registry.register("fs-health-refused", "freestyle");
      const device = await connectDevice(runtime.urls.mqtt, "fs-health-refused", token);
      await device.publishAsync(
        "dt/fleetline/freestyle/fs-health-refused/telemetry",
        faultyFreestyle(1, []),
        {
          qos: 1,
        },
      );
      await device.endAsync();
    } finally {
      restore();
    }
    const rules = await waitFor(async () => {
      const found = await component("rules");
      return found.status === "degraded" ? found : undefined;
    }, "the rules to be degraded");
    expect(rules.detail).toMatch(/message sent to fleetline-rule-errors .*1 validation error detected/);
    expect((await component("queues")).metrics.ruleErrors).toBeGreaterThanOrEqual(1);
    expect((await healthz()).status).toBe(200);
  });

  it("answers a shadow request the disk cannot take with AWS's 500 on /rejected, and keeps the device connected", async () => {
    const { token } = await runtime.registry.register("fs-health-shadow", "freestyle");
    const device = await connectDevice(runtime.urls.mqtt, "fs-health-shadow", token);
    const rejected: unknown[] = [];
    device.on("message", (_topic, payload) => rejected.push(JSON.parse(payload.toString())));
    await device.subscribeAsync("$aws/things/fs-health-shadow/shadow/update/rejected", { qos: 1 });
    disk.full = true;
    try {
      await device.publishAsync(
        "$aws/things/fs-health-shadow/shadow/update",
        JSON.stringify({ state: { reported: { fan: 1 } } }),
        { qos: 1 },
      );
      await waitFor(() => rejected.length === 1, "the rejection");
    } finally {
      disk.full = false;
    }
    expect(rejected[0]).toMatchObject({ code: 500, message: "Internal service failure" });
    expect(device.connected).toBe(true);
    await device.endAsync();
  });
});
