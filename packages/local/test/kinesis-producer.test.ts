import type { PutRecordsCommandOutput } from "@aws-sdk/client-kinesis";
import { KinesisStreamProducer } from "@fleetline/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localKinesisClient } from "../src/kinesis/kinesis-client.js";
import { KinesisTwin } from "../src/kinesis/kinesis-twin.js";
import { readStream } from "./helpers.js";

let twin: KinesisTwin;

beforeAll(async () => {
  twin = await KinesisTwin.start({
    host: "127.0.0.1",
    port: 0,
    streams: ["producer-partial", "producer-ok"],
    shardCount: 2,
  });
});

afterAll(async () => {
  await twin.close();
});

const entries = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => ({
    partitionKey: `k${i % 3}`,
    data: new TextEncoder().encode(`${prefix}${i}`),
  }));

describe("KinesisStreamProducer on the Kinesis API", () => {
  it("puts every entry once", async () => {
    const producer = new KinesisStreamProducer(twin.client);
    expect(await producer.put("producer-ok", entries(700, "ok"))).toEqual([]);
    const stored = [...(await readStream(twin.client, "producer-ok")).values()].flat().map((r) => r.data);
    expect(stored.sort()).toEqual(Array.from({ length: 700 }, (_, i) => `ok${i}`).sort());
  });

  it("retries only the entries a partial PutRecords failure rejected: none lost, none doubled", async () => {
    const client = localKinesisClient(twin.endpoint);
    const calls: string[][] = [];
    let injected = false;
    // A partial failure as Kinesis reports it: the first request's entries 1 and 3 are not written
    // and come back with ProvisionedThroughputExceededException; the rest are written.
    client.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Records: Array<{ Data: Uint8Array }> };
        calls.push(input.Records.map((r) => Buffer.from(r.Data).toString()));
        if (injected) return next(args);
        injected = true;
        const dropped = new Set([1, 3]);
        const kept = input.Records.filter((_, i) => !dropped.has(i));
        const result = await next({ ...args, input: { ...input, Records: kept } });
        const output = result.output as PutRecordsCommandOutput;
        const written = [...(output.Records ?? [])];
        output.Records = input.Records.map((_, i) =>
          dropped.has(i)
            ? { ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "Rate exceeded for shard" }
            : (written.shift() as NonNullable<PutRecordsCommandOutput["Records"]>[number]),
        );
        output.FailedRecordCount = dropped.size;
        return result;
      },
      { step: "initialize", name: "injectPartialFailure" },
    );
    const producer = new KinesisStreamProducer(client, { sleep: async () => undefined });
    expect(await producer.put("producer-partial", entries(6, "p"))).toEqual([]);
    expect(calls).toEqual([
      ["p0", "p1", "p2", "p3", "p4", "p5"],
      ["p1", "p3"],
    ]);
    const stored = [...(await readStream(twin.client, "producer-partial")).values()]
      .flat()
      .map((r) => r.data);
    expect(stored.sort()).toEqual(["p0", "p1", "p2", "p3", "p4", "p5"]);
    client.destroy();
  });

  it("reports the entries that still fail when the retries run out", async () => {
    const client = localKinesisClient(twin.endpoint);
    client.middlewareStack.add(
      () => async () => {
        throw Object.assign(new Error("Rate exceeded"), { name: "ProvisionedThroughputExceededException" });
      },
      { step: "initialize", name: "alwaysThrottled" },
    );
    const producer = new KinesisStreamProducer(client, { maxAttempts: 3, sleep: async () => undefined });
    const failures = await producer.put("producer-partial", entries(2, "x"));
    expect(failures).toEqual([
      { index: 0, errorCode: "ProvisionedThroughputExceededException", errorMessage: "Rate exceeded" },
      { index: 1, errorCode: "ProvisionedThroughputExceededException", errorMessage: "Rate exceeded" },
    ]);
    client.destroy();
  });
});
