import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type InboundMessage,
  type MessageSource,
  PipelineBehindError,
  SERVICE_CLIENT_ID,
} from "../src/iot/bus/message-source.js";
import { RulesEngine } from "../src/iot/rules/rules-engine.js";
import type { InjectedFailures } from "../src/runtime/injected-failures.js";
import type { Runtime } from "../src/runtime/runtime.js";
import { BacklogGate } from "../src/streams/event-sources/backlog-gate.js";
import type { LocalQueues } from "../src/streams/queues/local-queues.js";
import { connectDevice, freestyleReport, healthMetric, startRuntime, waitFor } from "./helpers.js";

/** A message source in memory: the test hands the engine each message and sees how it settles. */
class HandOver implements MessageSource {
  handler: (message: InboundMessage) => Promise<void> = async () => undefined;
  readonly published: string[] = [];
  async subscribe(_filter: string, handler: (message: InboundMessage) => Promise<void>) {
    this.handler = handler;
  }
  async unsubscribe() {}
  open() {}
  async publish(topic: string) {
    this.published.push(topic);
  }
  async reply() {}
  async close() {}
}

describe("the rules engine while the backlog is full", () => {
  it("refuses a device's message that waited too long, unacknowledged, and keeps the service's", async () => {
    let behind = 50;
    const gate = new BacklogGate(() => behind, 10);
    const source = new HandOver();
    const engine = await RulesEngine.start({
      rules: [
        {
          name: "echo",
          sql: "SELECT * FROM 'echo/+'",
          actions: [{ republish: { topic: "echoed/${topic(2)}" } }],
        },
      ],
      source,
      targets: { kinesis: undefined as never, queues: undefined as unknown as LocalQueues },
      admission: gate,
      maxWaitMs: 200,
    });
    const payload = new TextEncoder().encode("{}");
    // The gate holds the queue before any batch is taken from it.
    const first = source.handler({ topic: "echo/first", payload, clientId: "fs-first" });
    const device = source.handler({ topic: "echo/device", payload, clientId: "fs-device" });
    const service = source.handler({ topic: "echo/service", payload, clientId: SERVICE_CLIENT_ID });
    let serviceDone = false;
    void service.then(() => (serviceDone = true));
    await expect(device).rejects.toBeInstanceOf(PipelineBehindError);
    await expect(first).rejects.toBeInstanceOf(PipelineBehindError);
    expect(engine.stats.refusedBehind).toBe(2);
    expect(serviceDone).toBe(false);
    behind = 0;
    gate.progressed();
    await service;
    expect(source.published).toEqual(["echoed/service"]);
    await engine.stop();
  });
});

describe("a pipeline that cannot keep up", () => {
  const failures: InjectedFailures = {};
  let runtime: Runtime;
  beforeAll(async () => {
    runtime = await startRuntime({ maxBacklog: 300, failures, iotLimits: false });
  });
  afterAll(async () => {
    delete failures.storeStalled;
    await runtime.stop();
  });
  const stored = async () =>
    ((await (await fetch(`${runtime.urls.http}/api/stats`)).json()) as { stored: number }).stored;

  it("slows the devices (their PUBACKs wait) while the functions are behind, and loses nothing", async () => {
    const devices = await Promise.all(
      ["fs-backlog-1", "fs-backlog-2"].map(async (thing) => {
        const { token } = await runtime.registry.register(thing, "freestyle");
        return { thing, client: await connectDevice(runtime.urls.mqtt, thing, token) };
      }),
    );
    let resume: () => void = () => undefined;
    failures.storeStalled = new Promise<void>((resolve) => {
      resume = resolve;
    });
    const perDevice = 600;
    let acked = 0;
    // Each device keeps up to 50 messages in flight, as a device with a send window does.
    const sending = devices.map(async ({ thing, client }) => {
      let next = 0;
      const lane = async () => {
        while (next < perDevice) {
          const seq = next++;
          await client.publishAsync(`dt/fleetline/freestyle/${thing}/telemetry`, freestyleReport(seq), {
            qos: 1,
          });
          acked += 1;
        }
      };
      await Promise.all(Array.from({ length: 50 }, lane));
    });
    await waitFor(
      () =>
        runtime
          .health()
          .then((h) =>
            h.components.some((c) => c.name === "rules" && (c.metrics.waitingForBacklog as number) > 0),
          ),
      "messages to wait for the backlog",
    );
    const health = await runtime.health();
    const rules = health.components.find((c) => c.name === "rules");
    expect(rules?.status).toBe("degraded");
    expect(rules?.detail).toMatch(
      /devices' PUBACKs wait .*: the functions are \d+ records behind the streams \(at most 300, --max-backlog\)/,
    );
    // Acknowledged: at most the limit, one batch of the rules engine (500) and the devices' windows.
    expect(acked).toBeLessThanOrEqual(300 + 500 + 100);

    delete failures.storeStalled;
    resume();
    await Promise.all(sending);
    expect(acked).toBe(2 * perDevice);
    await waitFor(async () => (await stored()) >= 2 * perDevice, "every message to be stored");
    expect(await stored()).toBe(2 * perDevice);
    expect(await healthMetric(runtime, "rules", "slowed")).toBeGreaterThan(0);
    expect(await healthMetric(runtime, "rules", "waitingForBacklog")).toBe(0);
    for (const { client } of devices) await client.endAsync();
  });
});
