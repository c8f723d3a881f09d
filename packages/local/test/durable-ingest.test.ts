import { QUEUES, STREAMS, TELEMETRY_RULE } from "@fleetline/core/pipeline";
import { hold } from "@fleetline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiskFailures } from "../src/lib/disk-failures.js";
import type { InjectedFailures } from "../src/runtime/injected-failures.js";
import { StandIns } from "../src/runtime/stand-ins.js";
import { connectDevice, interceptKinesis, rawPayloads, waitFor } from "./helpers.js";

const disk = new DiskFailures();
const failures: InjectedFailures = { disk };
let standIns: StandIns;

beforeAll(async () => {
  standIns = await StandIns.start({
    host: "127.0.0.1",
    mqttPort: 0,
    wsPort: 0,
    kinesisPort: 0,
    rules: [TELEMETRY_RULE],
    failures,
  });
});

afterAll(async () => {
  disk.full = false;
  disk.syncFails = false;
  await standIns.close();
});

const rawPayloadsOf = (thing: string) => rawPayloads(standIns.kinesis.client, thing);

describe("the embedded broker's PUBACK", () => {
  it("comes only once the message is on the raw stream", async () => {
    const { token } = await standIns.registry.register("fs-durable-ack", "freestyle");
    const device = await connectDevice(standIns.mqttUrl, "fs-durable-ack", token);
    const topic = "dt/fleetline/freestyle/fs-durable-ack/telemetry";
    // A slow stream: an acknowledgement sent before the put would arrive well before the record.
    // (The rules engine calls the stand-in in-process; this slows that client.)
    const restore = interceptKinesis(failures, async (command) => {
      if (command.constructor.name === "PutRecordsCommand") await hold(100);
    });
    try {
      for (let seq = 0; seq < 10; seq++) {
        await device.publishAsync(topic, JSON.stringify({ seq }), { qos: 1 });
        // Read straight after the PUBACK: the record must already be there.
        expect((await rawPayloadsOf("fs-durable-ack")).at(-1)).toBe(JSON.stringify({ seq }));
      }
    } finally {
      restore();
      await device.endAsync();
    }
  });

  it("is held while neither the stream nor the rule-errors queue can store the message, and sent when space returns", async () => {
    const { token } = await standIns.registry.register("fs-durable-full", "freestyle");
    const device = await connectDevice(standIns.mqttUrl, "fs-durable-full", token);
    const topic = "dt/fleetline/freestyle/fs-durable-full/telemetry";
    disk.full = true;
    let acked = 0;
    const publishes = [0, 1, 2].map((seq) =>
      device.publishAsync(topic, JSON.stringify({ seq }), { qos: 1 }).then(() => {
        acked += 1;
      }),
    );
    await waitFor(() => standIns.engine.stats.held > 0, "the messages to be held");
    // Held through a retry, not just the first attempt.
    const first = standIns.engine.stats.lastFailure?.at ?? 0;
    await waitFor(() => (standIns.engine.stats.lastFailure?.at ?? 0) > first, "a retry that fails too");
    expect(acked).toBe(0);
    expect(await rawPayloadsOf("fs-durable-full")).toEqual([]);
    expect(standIns.engine.stats.lastFailure?.message).toMatch(/No space left on device/);

    disk.full = false;
    await Promise.all(publishes);
    expect(await rawPayloadsOf("fs-durable-full")).toEqual(["0", "1", "2"].map((seq) => `{"seq":${seq}}`));
    expect(standIns.engine.stats.held).toBe(0);
    await device.endAsync();
  });
});

describe("a PUBACK and the stream's fsync", () => {
  it("waits for the fsync: while it fails the message is on the stream, held unacknowledged, then acknowledged once", async () => {
    const { token } = await standIns.registry.register("fs-durable-sync", "freestyle");
    const device = await connectDevice(standIns.mqttUrl, "fs-durable-sync", token);
    const topic = "dt/fleetline/freestyle/fs-durable-sync/telemetry";
    disk.syncFails = true;
    let acked = false;
    const published = device.publishAsync(topic, '{"seq":0}', { qos: 1 }).then(() => {
      acked = true;
    });
    try {
      await waitFor(() => standIns.engine.stats.held > 0, "the message to be held");
      const first = standIns.engine.stats.lastFailure?.at ?? 0;
      await waitFor(
        () => (standIns.engine.stats.lastFailure?.at ?? 0) > first,
        "a second fsync that fails too",
      );
      expect(acked).toBe(false);
      expect(standIns.engine.stats.lastFailure?.message).toMatch(/Input\/output error/);
      expect(await rawPayloadsOf("fs-durable-sync")).toEqual(['{"seq":0}']);
    } finally {
      disk.syncFails = false;
    }
    await published;
    // Put once: only the fsync was tried again.
    expect(await rawPayloadsOf("fs-durable-sync")).toEqual(['{"seq":0}']);
    expect(standIns.engine.stats.held).toBe(0);
    await device.endAsync();
  });
});

describe("messages that arrive together", () => {
  it("go out in one PutRecords per batch, not one per message, made durable with one fsync per batch", async () => {
    const devices = await Promise.all(
      Array.from({ length: 20 }, async (_, n) => {
        const thing = `fs-together-${n}`;
        const { token } = await standIns.registry.register(thing, "freestyle");
        return { thing, client: await connectDevice(standIns.mqttUrl, thing, token) };
      }),
    );
    const requests: number[] = [];
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The first put waits until every other message has queued up behind it.
    const restore = interceptKinesis(failures, async (command) => {
      const records = command.input.Records?.filter((r) => r.PartitionKey.startsWith("fs-together-")) ?? [];
      if (records.length === 0) return;
      requests.push(records.length);
      if (requests.length === 1) await gate;
    });
    const syncsBefore = standIns.kinesis.synced;
    try {
      const published = devices.map(({ thing, client }) =>
        client.publishAsync(`dt/fleetline/freestyle/${thing}/telemetry`, "{}", { qos: 1 }),
      );
      await waitFor(() => requests.length === 1 && standIns.engine.queued === 19, "the others to queue up");
      release();
      await Promise.all(published);
    } finally {
      restore();
      await Promise.all(devices.map(({ client }) => client.endAsync()));
    }
    expect(requests).toEqual([1, 19]);
    expect(standIns.kinesis.synced - syncsBefore).toBe(2);
  });
});

describe("a record the Kinesis action cannot take", () => {
  it("goes alone to the rule-errors queue in AWS's error-action shape, and its batch neighbours are delivered", async () => {
    const source = standIns.brokers.broker?.source();
    if (!source) throw new Error("the embedded broker is not running");
    const message = (thing: string, payload: string | Buffer) => ({
      topic: `dt/fleetline/freestyle/${thing}/telemetry`,
      payload: typeof payload === "string" ? Buffer.from(payload) : payload,
      clientId: "n/a",
    });
    const longKey = "k".repeat(300);
    // The first message is in flight while the rest queue up behind it: they make one batch.
    const first = source.ingest(message("fs-isolate-a", "first"));
    const batch = [
      source.ingest(message("fs-isolate-a", "before")),
      source.ingest(message(longKey, "long partition key")),
      source.ingest(message("fs-isolate-b", Buffer.alloc(800 * 1024, 120))),
      source.ingest(message("fs-isolate-a", "after")),
    ];
    await Promise.all([first, ...batch]);
    expect(await rawPayloadsOf("fs-isolate-a")).toEqual(["first", "before", "after"]);
    const errors = (await standIns.queues.list(QUEUES.ruleErrors, 1000)).map(
      (m) => m.body as Record<string, unknown>,
    );
    const refused = errors.filter((e) => /fs-isolate-b|k{300}/.test(String(e.topic)));
    expect(refused).toHaveLength(2);
    expect(refused.find((e) => String(e.topic).includes(longKey))).toEqual({
      ruleName: "telemetry",
      topic: `dt/fleetline/freestyle/${longKey}/telemetry`,
      cloudwatchTraceId: expect.any(String),
      clientId: "n/a",
      base64OriginalPayload: Buffer.from("long partition key").toString("base64"),
      failures: [
        {
          failedAction: "KinesisAction",
          failedResource: STREAMS.raw,
          errorMessage: "ValidationException: partition key of 300 characters; Kinesis takes 1 to 256",
        },
      ],
    });
    expect(refused.find((e) => String(e.topic).includes("fs-isolate-b"))?.failures).toEqual([
      expect.objectContaining({
        errorMessage: expect.stringMatching(/^ValidationException: record of \d+ bytes/),
      }),
    ]);
  });
});
