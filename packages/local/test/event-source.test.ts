import { hold } from "@fleetline/testing";
import type { KinesisStreamEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { decode, put, running, start } from "./event-source-fixture.js";
import { tempDir, waitFor } from "./helpers.js";

describe("the event-source emulator", () => {
  it("delivers Lambda's Kinesis event shape", async () => {
    const events: KinesisStreamEvent[] = [];
    const runtime = await start("es-shape", {
      functionName: "shape",
      handler: async (event) => {
        events.push(event);
      },
    });
    await put(runtime, "es-shape", [["fs-1", "hello"]]);
    await waitFor(() => events.length > 0, "an invocation");
    const [record] = events[0]?.Records ?? [];
    expect(record).toMatchObject({
      eventSource: "aws:kinesis",
      eventVersion: "1.0",
      eventName: "aws:kinesis:record",
      awsRegion: "us-east-1",
      eventSourceARN: "arn:aws:kinesis:us-east-1:000000000000:stream/es-shape",
      kinesis: {
        kinesisSchemaVersion: "1.0",
        partitionKey: "fs-1",
        data: Buffer.from("hello").toString("base64"),
      },
    });
    expect(record?.eventID).toMatch(/^shardId-\d{12}:\d+$/);
    expect(record?.eventID.endsWith(`:${record?.kinesis.sequenceNumber}`)).toBe(true);
    expect(record?.kinesis.approximateArrivalTimestamp).toBeCloseTo(Date.now() / 1000, -2);
  });

  it("retries a partial batch failure from the lowest failed sequence number", async () => {
    const seen: string[][] = [];
    let failedOnce = false;
    const runtime = await start(
      "es-partial",
      {
        functionName: "partial",
        handler: async (event) => {
          seen.push(decode(event));
          const third = event.Records[2];
          if (!failedOnce && third) {
            failedOnce = true;
            return { batchItemFailures: [{ itemIdentifier: third.kinesis.sequenceNumber }] };
          }
          return { batchItemFailures: [] };
        },
      },
      undefined,
      1,
    );
    await put(
      runtime,
      "es-partial",
      ["a", "b", "c", "d", "e"].map((data) => ["k", data] as [string, string]),
    );
    await waitFor(() => seen.flat().includes("e") && seen.length >= 2, "the retry");
    expect(seen[0]).toEqual(["a", "b", "c", "d", "e"]);
    expect(seen[1]).toEqual(["c", "d", "e"]);
    expect(await runtime.queues.count("fleetline-dead-letter")).toBe(0);
  });

  it("bisects around a poison record, dead-letters its batch info after 5 retries and processes the records after it", async () => {
    const processed: string[] = [];
    let poisonCalls = 0;
    const runtime = await start(
      "es-poison",
      {
        functionName: "poison",
        handler: async (event) => {
          const data = decode(event);
          if (data.includes("poison")) {
            if (data.length === 1) poisonCalls += 1;
            throw new Error("cannot handle poison");
          }
          processed.push(...data);
        },
      },
      undefined,
      1,
    );
    const entries = Array.from(
      { length: 10 },
      (_, i) => ["k", i === 4 ? "poison" : `r${i}`] as [string, string],
    );
    await put(runtime, "es-poison", entries);
    const [letter] = await waitFor(async () => {
      const letters = await runtime.queues.list("fleetline-dead-letter");
      return letters.length > 0 ? letters : undefined;
    }, "a dead letter");
    await waitFor(() => processed.includes("r9"), "the records after the poison");
    expect(poisonCalls).toBe(6);
    expect(processed).toEqual(["r0", "r1", "r2", "r3", "r5", "r6", "r7", "r8", "r9"]);
    const body = letter?.body as {
      requestContext: unknown;
      KinesisBatchInfo: { startSequenceNumber: string; endSequenceNumber: string };
    };
    expect(body.requestContext).toMatchObject({
      condition: "RetryAttemptsExhausted",
      functionArn: expect.stringContaining(":function:poison"),
    });
    expect(letter?.body).toMatchObject({
      responsePayload: { errorType: "Error", errorMessage: "cannot handle poison" },
    });
    expect(body.KinesisBatchInfo).toMatchObject({
      shardId: "shardId-000000000000",
      batchSize: 1,
      streamArn: "arn:aws:kinesis:us-east-1:000000000000:stream/es-poison",
    });
    expect(body.KinesisBatchInfo.startSequenceNumber).toBe(body.KinesisBatchInfo.endSequenceNumber);
    expect(runtime.emulator.stats.get("poison")).toMatchObject({ deadLettered: 1 });
  });

  it("keeps per-partition-key order and one batch in flight per shard", async () => {
    const order = new Map<string, number[]>();
    const inFlight = new Map<string, number>();
    let maxInFlight = 0;
    let total = 0;
    const runtime = await start("es-order", {
      functionName: "order",
      batchSize: 7,
      handler: async (event) => {
        const shard = event.Records[0]?.eventID.split(":")[0] ?? "";
        inFlight.set(shard, (inFlight.get(shard) ?? 0) + 1);
        maxInFlight = Math.max(maxInFlight, inFlight.get(shard) ?? 0);
        await hold(2);
        for (const record of event.Records) {
          const [key, n] = Buffer.from(record.kinesis.data, "base64").toString().split(":");
          order.set(key as string, [...(order.get(key as string) ?? []), Number(n)]);
          total += 1;
        }
        inFlight.set(shard, (inFlight.get(shard) ?? 1) - 1);
      },
    });
    const keys = ["fs-a", "fs-b", "rb-c", "rb-d", "fs-e"];
    const entries: Array<[string, string]> = [];
    for (let n = 0; n < 40; n++) for (const key of keys) entries.push([key, `${key}:${n}`]);
    await put(runtime, "es-order", entries);
    await waitFor(() => total === entries.length, "every record");
    for (const key of keys) expect(order.get(key)).toEqual(Array.from({ length: 40 }, (_, n) => n));
    expect(maxInFlight).toBe(1);
  });

  it("processes the backlog of a runtime that was down for two hours: downtime is not age", async () => {
    const dir = await tempDir("es-downtime");
    try {
      const seen: string[] = [];
      const mapping = {
        functionName: "downtime",
        handler: async (event: KinesisStreamEvent) => void seen.push(...decode(event)),
      };
      const first = await start("es-downtime", mapping, dir.path);
      // The runtime stops before its event source reads what was acknowledged.
      await first.emulator.stop();
      await put(first, "es-downtime", [
        ["k1", "acknowledged-1"],
        ["k2", "acknowledged-2"],
      ]);
      await first.stop();
      const twoHoursLater = () => Date.now() + 2 * 3_600_000;
      const second = await start("es-downtime", mapping, dir.path, 2, undefined, twoHoursLater);
      await waitFor(() => seen.length === 2, "the backlog");
      expect(seen.sort()).toEqual(["acknowledged-1", "acknowledged-2"]);
      expect(await second.queues.count("fleetline-dead-letter")).toBe(0);
    } finally {
      await Promise.all(running.map((runtime) => runtime.stop()));
      await dir.remove();
    }
  });

  it("resumes after a restart on the same data dir without skipping or re-invoking acknowledged records", async () => {
    const dir = await tempDir("es-restart");
    try {
      const counts = new Map<string, number>();
      const handler = async (event: KinesisStreamEvent) => {
        await hold(10);
        for (const data of decode(event)) counts.set(data, (counts.get(data) ?? 0) + 1);
      };
      const mapping = { functionName: "restart", batchSize: 10, handler };
      const first = await start("es-restart", mapping, dir.path);
      const entries = Array.from({ length: 300 }, (_, i) => [`k${i % 7}`, `m${i}`] as [string, string]);
      await put(first, "es-restart", entries);
      // Stop mid-stream: the batch in flight finishes and is checkpointed, the rest waits.
      await waitFor(() => counts.size >= 50, "some records");
      await first.stop();
      const processedBeforeRestart = counts.size;
      expect(processedBeforeRestart).toBeLessThan(300);

      const second = await start("es-restart", mapping, dir.path);
      await put(second, "es-restart", [["k0", "after-restart"]]);
      await waitFor(() => counts.has("after-restart") && counts.size === 301, "every record once");
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await Promise.all(running.map((runtime) => runtime.stop()));
      await dir.remove();
    }
  });
});
