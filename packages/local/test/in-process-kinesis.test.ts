import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiskFailures } from "../src/lib/disk-failures.js";
import { KinesisStandIn } from "../src/streams/kinesis/kinesis-stand-in.js";

const disk = new DiskFailures();
let kinesis: KinesisStandIn;

beforeAll(async () => {
  kinesis = await KinesisStandIn.start({
    host: "127.0.0.1",
    port: 0,
    streams: ["in-process"],
    shardCount: 2,
    disk,
  });
});
afterAll(() => kinesis.close());

const bytes = (text: string) => new TextEncoder().encode(text);

async function readAll(client: KinesisClient, shardId: string) {
  const { ShardIterator } = await client.send(
    new GetShardIteratorCommand({
      StreamName: "in-process",
      ShardId: shardId,
      ShardIteratorType: "TRIM_HORIZON",
    }),
  );
  const { Records = [] } = await client.send(new GetRecordsCommand({ ShardIterator }));
  return Records.map((r) => ({
    key: r.PartitionKey,
    data: new TextDecoder().decode(r.Data),
    seq: r.SequenceNumber,
    at: r.ApproximateArrivalTimestamp instanceof Date,
  }));
}

describe("the Kinesis stand-in called in-process (the runtime's own clients)", () => {
  it("writes and reads what the HTTP API writes and reads: the same records, sequence numbers and shapes", async () => {
    const sdk = kinesis.client;
    const local = kinesis.inProcess;
    const viaLocal = await local.send(
      new PutRecordsCommand({
        StreamName: "in-process",
        Records: ["a", "b", "c"].map((k) => ({ PartitionKey: k, Data: bytes(`local-${k}`) })),
      }),
    );
    const viaSdk = await sdk.send(
      new PutRecordsCommand({
        StreamName: "in-process",
        Records: [{ PartitionKey: "a", Data: bytes("sdk-a") }],
      }),
    );
    expect(viaLocal.FailedRecordCount).toBe(0);
    expect(viaSdk.Records?.[0]?.ShardId).toBe(viaLocal.Records?.[0]?.ShardId);
    const { Shards: httpShards = [] } = await sdk.send(new ListShardsCommand({ StreamName: "in-process" }));
    const { Shards: localShards = [] } = await local.send(
      new ListShardsCommand({ StreamName: "in-process" }),
    );
    expect(localShards).toEqual(httpShards);
    for (const shard of httpShards) {
      const id = shard.ShardId as string;
      expect(await readAll(local, id)).toEqual(await readAll(sdk, id));
    }
    const all = (await Promise.all(httpShards.map((s) => readAll(local, s.ShardId as string)))).flat();
    expect(all.map((r) => r.data).sort()).toEqual(["local-a", "local-b", "local-c", "sdk-a"]);
    expect(all.every((r) => r.at)).toBe(true);
  });

  it("refuses what the HTTP API refuses, with the SDK's exception classes", async () => {
    const refusals: string[][] = [];
    for (const client of [kinesis.client, kinesis.inProcess]) {
      const names: string[] = [];
      refusals.push(names);
      await expect(
        client.send(
          new PutRecordsCommand({ StreamName: "nope", Records: [{ PartitionKey: "k", Data: bytes("x") }] }),
        ),
      ).rejects.toBeInstanceOf(ResourceNotFoundException);
      await expect(
        client.send(
          new PutRecordsCommand({
            StreamName: "in-process",
            Records: [{ PartitionKey: "", Data: bytes("x") }],
          }),
        ),
      ).rejects.toMatchObject({ name: "ValidationException", $metadata: { httpStatusCode: 400 } });
      const refused = await client
        .send(new GetRecordsCommand({ ShardIterator: "AAAA".repeat(40) }))
        .catch((error: Error & { $metadata?: { httpStatusCode?: number } }) => error);
      expect(refused).toMatchObject({ $metadata: { httpStatusCode: 400 } });
      names.push((refused as Error).name);
    }
    // In process the SDK's class of each refusal is the one the HTTP API's answer maps to.
    expect(refusals[1]).toEqual(refusals[0]);
    expect(refusals[0]?.[0]).toMatch(/Exception$/);
  });

  it("answers a write its storage cannot take with InternalFailure, as over HTTP", async () => {
    disk.full = true;
    try {
      await expect(
        kinesis.inProcess.send(
          new PutRecordsCommand({
            StreamName: "in-process",
            Records: [{ PartitionKey: "k", Data: bytes("x") }],
          }),
        ),
      ).rejects.toMatchObject({ name: "InternalFailure", $metadata: { httpStatusCode: 500 } });
    } finally {
      disk.full = false;
    }
  });
});
