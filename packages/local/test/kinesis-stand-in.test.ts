import { connect } from "node:net";
import { ListStreamsCommand, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiskFailures } from "../src/lib/disk-failures.js";
import { localKinesisClient } from "../src/streams/kinesis/kinesis-client.js";
import { KinesisStandIn } from "../src/streams/kinesis/kinesis-stand-in.js";
import { readStream, tempDir } from "./helpers.js";

const disk = new DiskFailures();
let kinesis: KinesisStandIn;
let dir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  dir = await tempDir("kinesis-stand-in");
  kinesis = await KinesisStandIn.start({
    host: "127.0.0.1",
    port: 0,
    path: `${dir.path}/kinesis`,
    streams: ["stand-in-disk", "stand-in-sync"],
    shardCount: 1,
    disk,
  });
});

afterAll(async () => {
  await kinesis.close();
  await dir.remove();
});

const put = (data: string) =>
  kinesis.client.send(
    new PutRecordsCommand({
      StreamName: "stand-in-disk",
      Records: [{ PartitionKey: "k", Data: new TextEncoder().encode(data) }],
    }),
  );

describe("the Kinesis stand-in", () => {
  it("answers a write its storage cannot take with InternalFailure, keeps serving reads, and writes again when space returns", async () => {
    await put("before");
    disk.full = true;
    const client = localKinesisClient(kinesis.endpoint);
    try {
      await expect(
        client.send(
          new PutRecordsCommand({
            StreamName: "stand-in-disk",
            Records: [{ PartitionKey: "k", Data: new TextEncoder().encode("while full") }],
          }),
        ),
      ).rejects.toMatchObject({
        name: "InternalFailure",
        message: expect.stringContaining("No space left on device"),
        $metadata: { httpStatusCode: 500 },
      });
      const shards = await readStream(kinesis.client, "stand-in-disk");
      expect([...shards.values()].flat().map((r) => r.data)).toEqual(["before"]);
    } finally {
      disk.full = false;
      client.destroy();
    }
    await put("after");
    const shards = await readStream(kinesis.client, "stand-in-disk");
    expect([...shards.values()].flat().map((r) => r.data)).toEqual(["before", "after"]);
  });

  it("answers a client's put once its records are on disk (fsynced); the runtime's own producers sync a batch of puts themselves", async () => {
    const syncsBefore = kinesis.synced;
    disk.syncFails = true;
    const client = localKinesisClient(kinesis.endpoint);
    try {
      await expect(
        client.send(
          new PutRecordsCommand({
            StreamName: "stand-in-sync",
            Records: [{ PartitionKey: "k", Data: new TextEncoder().encode("not yet durable") }],
          }),
        ),
      ).rejects.toMatchObject({
        name: "InternalFailure",
        message: expect.stringContaining("Input/output error"),
        $metadata: { httpStatusCode: 500 },
      });
      // In-process, the put is answered; making it durable is the caller's `sync`, which fails.
      const inProcess = await kinesis.inProcess.send(
        new PutRecordsCommand({
          StreamName: "stand-in-sync",
          Records: [{ PartitionKey: "k", Data: new TextEncoder().encode("synced by its caller") }],
        }),
      );
      expect(inProcess.FailedRecordCount).toBe(0);
      await expect(kinesis.sync()).rejects.toMatchObject({ code: "EIO" });
      expect(kinesis.synced).toBe(syncsBefore);
    } finally {
      disk.syncFails = false;
      client.destroy();
    }
    await kinesis.sync();
    expect(kinesis.synced).toBe(syncsBefore + 1);
    const answer = await kinesis.client.send(
      new PutRecordsCommand({
        StreamName: "stand-in-sync",
        Records: [{ PartitionKey: "k", Data: new TextEncoder().encode("durable") }],
      }),
    );
    expect(answer.FailedRecordCount).toBe(0);
  });

  it("lets go of a request whose connection drops mid-body and goes on serving", async () => {
    const { hostname, port } = new URL(kinesis.endpoint);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(
          "POST / HTTP/1.1\r\nHost: kinesis\r\nContent-Type: application/x-amz-json-1.1\r\n" +
            'X-Amz-Target: Kinesis_20131202.PutRecords\r\nContent-Length: 1000\r\n\r\n{"StreamName',
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
      socket.on("error", reject);
    });
    const { StreamNames } = await kinesis.client.send(new ListStreamsCommand({}));
    expect(StreamNames).toContain("stand-in-disk");
  });
});
