import { connect } from "node:net";
import { ListStreamsCommand, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StorageFaults } from "../src/faults/storage-faults.js";
import { localKinesisClient } from "../src/kinesis/kinesis-client.js";
import { KinesisTwin } from "../src/kinesis/kinesis-twin.js";
import { readStream, tempDir } from "./helpers.js";

const faults = new StorageFaults();
let twin: KinesisTwin;
let dir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  dir = await tempDir("kinesis-twin");
  twin = await KinesisTwin.start({
    host: "127.0.0.1",
    port: 0,
    path: `${dir.path}/kinesis`,
    streams: ["twin-disk"],
    shardCount: 1,
    faults,
  });
});

afterAll(async () => {
  await twin.close();
  await dir.remove();
});

const put = (data: string) =>
  twin.client.send(
    new PutRecordsCommand({
      StreamName: "twin-disk",
      Records: [{ PartitionKey: "k", Data: new TextEncoder().encode(data) }],
    }),
  );

describe("the Kinesis twin", () => {
  it("answers a write its storage cannot take with InternalFailure, keeps serving reads, and writes again when space returns", async () => {
    await put("before");
    faults.diskFull = true;
    const client = localKinesisClient(twin.endpoint);
    try {
      await expect(
        client.send(
          new PutRecordsCommand({
            StreamName: "twin-disk",
            Records: [{ PartitionKey: "k", Data: new TextEncoder().encode("while full") }],
          }),
        ),
      ).rejects.toMatchObject({
        name: "InternalFailure",
        message: expect.stringContaining("No space left on device"),
        $metadata: { httpStatusCode: 500 },
      });
      const shards = await readStream(twin.client, "twin-disk");
      expect([...shards.values()].flat().map((r) => r.data)).toEqual(["before"]);
    } finally {
      faults.diskFull = false;
      client.destroy();
    }
    await put("after");
    const shards = await readStream(twin.client, "twin-disk");
    expect([...shards.values()].flat().map((r) => r.data)).toEqual(["before", "after"]);
  });

  it("lets go of a request whose connection drops mid-body and goes on serving", async () => {
    const { hostname, port } = new URL(twin.endpoint);
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
    await new Promise((resolve) => setTimeout(resolve, 100));
    const { StreamNames } = await twin.client.send(new ListStreamsCommand({}));
    expect(StreamNames).toContain("twin-disk");
  });
});
