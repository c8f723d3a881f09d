import type { PutRecordsCommandOutput } from "@aws-sdk/client-kinesis";
import { KinesisStreamProducer } from "@fleetline/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localKinesisClient } from "../src/streams/kinesis/kinesis-client.js";
import { KinesisStandIn } from "../src/streams/kinesis/kinesis-stand-in.js";
import { readStream } from "./helpers.js";

let kinesis: KinesisStandIn;
const STREAMS = ["producer-ok", "producer-partial", "producer-exhausted", "producer-bad", "producer-split"];

beforeAll(async () => {
  kinesis = await KinesisStandIn.start({ host: "127.0.0.1", port: 0, streams: STREAMS, shardCount: 2 });
});

afterAll(async () => {
  await kinesis.close();
});

const entries = (n: number, prefix: string, keys = 3) =>
  Array.from({ length: n }, (_, i) => ({
    partitionKey: `k${i % keys}`,
    data: new TextEncoder().encode(`${prefix}${i}`),
  }));

/** What the stream holds for each partition key, in stream order. */
async function byKey(stream: string): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {};
  for (const records of (await readStream(kinesis.client, stream)).values()) {
    for (const { partitionKey, data } of records)
      result[partitionKey] = [...(result[partitionKey] ?? []), data];
  }
  return result;
}

type Records = Array<{ PartitionKey: string; Data: Uint8Array }>;

/** A Kinesis client whose PutRecords answers pass through `edit` (a partial failure, a refusal…). */
function clientWith(
  edit: (records: Records, send: (records: Records) => Promise<PutRecordsCommandOutput>) => Promise<unknown>,
) {
  const client = localKinesisClient(kinesis.endpoint);
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { Records: Records };
      const output = await edit(input.Records, async (records) => {
        const result = await next({ ...args, input: { ...input, Records: records } });
        return result.output as PutRecordsCommandOutput;
      });
      return { output, response: {} } as Awaited<ReturnType<typeof next>>;
    },
    { step: "initialize", name: "editPutRecords" },
  );
  return client;
}

const text = (data: Uint8Array) => Buffer.from(data).toString();
const noWait = { sleep: async () => undefined };

describe("KinesisStreamProducer on the Kinesis API", () => {
  it("puts every entry once, each partition key in order", async () => {
    const producer = new KinesisStreamProducer(kinesis.client);
    const all = entries(700, "ok");
    expect(await producer.put("producer-ok", all)).toEqual([]);
    const stored = await byKey("producer-ok");
    for (const key of ["k0", "k1", "k2"]) {
      expect(stored[key]).toEqual(all.filter((e) => e.partitionKey === key).map((e) => text(e.data)));
    }
  });

  it("never lets a key's later entry go ahead of an earlier one a partial failure rejected", async () => {
    const calls: string[][] = [];
    let throttled = 0;
    // The first two tries of p1 come back with ProvisionedThroughputExceededException, as Kinesis
    // reports a partial failure; everything else in the same requests is written.
    const client = clientWith(async (records, send) => {
      calls.push(records.map((r) => text(r.Data)));
      const refuse = records.findIndex((r) => text(r.Data) === "p1");
      if (refuse < 0 || throttled >= 2) return send(records);
      throttled += 1;
      const written = [...((await send(records.filter((_, i) => i !== refuse))).Records ?? [])];
      return {
        FailedRecordCount: 1,
        Records: records.map((_, i) =>
          i === refuse
            ? { ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "Rate exceeded for shard" }
            : written.shift(),
        ),
      };
    });
    const producer = new KinesisStreamProducer(client, noWait);
    expect(await producer.put("producer-partial", entries(9, "p"))).toEqual([]);
    // One entry per key per request; k1's next entry waits until p1 is written.
    expect(calls).toEqual([["p0", "p1", "p2"], ["p1", "p3", "p5"], ["p1", "p6", "p8"], ["p4"], ["p7"]]);
    expect(await byKey("producer-partial")).toEqual({
      k0: ["p0", "p3", "p6"],
      k1: ["p1", "p4", "p7"],
      k2: ["p2", "p5", "p8"],
    });
    client.destroy();
  });

  it("fails a key's later entries with the one whose retries ran out, and writes the other keys", async () => {
    const client = clientWith(async (records, send) => {
      const others = records.filter((r) => r.PartitionKey !== "k1");
      const written = others.length > 0 ? [...((await send(others)).Records ?? [])] : [];
      return {
        FailedRecordCount: records.filter((r) => r.PartitionKey === "k1").length,
        Records: records.map((r) =>
          r.PartitionKey === "k1"
            ? { ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "Rate exceeded" }
            : written.shift(),
        ),
      };
    });
    const producer = new KinesisStreamProducer(client, { maxAttempts: 3, ...noWait });
    const failures = await producer.put("producer-exhausted", entries(6, "x"));
    expect(failures).toEqual([
      {
        index: 1,
        errorCode: "ProvisionedThroughputExceededException",
        errorMessage: "Rate exceeded",
        retryable: true,
      },
      {
        index: 4,
        errorCode: "ProvisionedThroughputExceededException",
        errorMessage: "not sent: an earlier record of partition key k1 failed (Rate exceeded)",
        retryable: true,
      },
    ]);
    expect(await byKey("producer-exhausted")).toEqual({ k0: ["x0", "x3"], k2: ["x2", "x5"] });
    client.destroy();
  });

  it("fails an entry Kinesis can never take on its own, without sending it, and writes its neighbours", async () => {
    const producer = new KinesisStreamProducer(kinesis.client, noWait);
    const batch = [
      { partitionKey: "fine", data: new TextEncoder().encode("before") },
      { partitionKey: "k".repeat(300), data: new TextEncoder().encode("long key") },
      { partitionKey: "fine", data: new Uint8Array(1024 * 1024) },
      { partitionKey: "fine", data: new TextEncoder().encode("after") },
    ];
    const failures = await producer.put("producer-bad", batch);
    expect(failures).toEqual([
      {
        index: 1,
        errorCode: "ValidationException",
        errorMessage: "partition key of 300 characters; Kinesis takes 1 to 256",
        retryable: false,
      },
      {
        index: 2,
        errorCode: "ValidationException",
        errorMessage: "record of 1048580 bytes (data and partition key); Kinesis takes at most 1048576",
        retryable: false,
      },
    ]);
    expect(await byKey("producer-bad")).toEqual({ fine: ["before", "after"] });
  });

  it("splits a request refused as a whole for its content, so the record at fault fails alone", async () => {
    const calls: string[][] = [];
    // A refusal the producer cannot foresee: any request carrying "poison" is refused whole.
    const client = clientWith(async (records, send) => {
      calls.push(records.map((r) => text(r.Data)));
      if (records.some((r) => text(r.Data) === "poison")) {
        throw Object.assign(new Error("1 validation error detected"), {
          name: "ValidationException",
          $fault: "client",
          $metadata: { httpStatusCode: 400 },
        });
      }
      return send(records);
    });
    const producer = new KinesisStreamProducer(client, noWait);
    const batch = ["a", "poison", "c"].map((data, i) => ({
      partitionKey: `s${i}`,
      data: new TextEncoder().encode(data),
    }));
    const failures = await producer.put("producer-split", batch);
    expect(failures).toEqual([
      {
        index: 1,
        errorCode: "ValidationException",
        errorMessage: "1 validation error detected",
        retryable: false,
      },
    ]);
    expect(calls).toEqual([["a", "poison", "c"], ["a"], ["poison"], ["c"]]);
    expect(await byKey("producer-split")).toEqual({ s0: ["a"], s2: ["c"] });
    client.destroy();
  });

  it("fails every entry, not retryable, when the stream does not exist", async () => {
    const producer = new KinesisStreamProducer(kinesis.client, noWait);
    const failures = await producer.put("no-such-stream", entries(2, "n"));
    expect(failures.map((f) => [f.index, f.errorCode, f.retryable])).toEqual([
      [0, "ResourceNotFoundException", false],
      [1, "ResourceNotFoundException", false],
    ]);
  });
});
