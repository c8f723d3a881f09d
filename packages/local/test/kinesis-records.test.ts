import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { parseSequence, stringifySequence } from "../src/streams/kinesis/kinesalite-sequences.js";
import { KinesisStandIn } from "../src/streams/kinesis/kinesis-stand-in.js";
import { readStream, tempDir, waitFor } from "./helpers.js";

const STREAM = "records-on-disk";
let dir: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  dir = await tempDir("kinesis-records");
});
afterEach(() => dir.remove());

const start = () =>
  KinesisStandIn.start({
    host: "127.0.0.1",
    port: 0,
    path: `${dir.path}/kinesis`,
    streams: [STREAM],
    shardCount: 2,
  });

async function put(kinesis: KinesisStandIn, client: "http" | "in-process", data: string[]) {
  const answer = await (client === "http" ? kinesis.client : kinesis.inProcess).send(
    new PutRecordsCommand({
      StreamName: STREAM,
      Records: data.map((d) => ({ PartitionKey: "thing-1", Data: new TextEncoder().encode(d) })),
    }),
  );
  return (answer.Records ?? []).map((r) => r.SequenceNumber as string);
}

const dataOf = async (kinesis: KinesisStandIn) =>
  [...(await readStream(kinesis.client, STREAM)).values()].flat().map((r) => r.data);

describe("the Kinesis stand-in's records (a log per shard)", () => {
  it("keeps a stream's records across a restart, and numbers the next records after the last", async () => {
    const first = await start();
    const before = [...(await put(first, "in-process", ["a", "b"])), ...(await put(first, "http", ["c"]))];
    await first.sync();
    await first.close();

    const second = await start();
    try {
      expect(await dataOf(second)).toEqual(["a", "b", "c"]);
      // The next sequence index lives in memory between restarts: recovered from the log itself.
      const [after] = await put(second, "in-process", ["d"]);
      expect(BigInt(after as string)).toBeGreaterThan(BigInt(before.at(-1) as string));
      expect(await dataOf(second)).toEqual(["a", "b", "c", "d"]);
    } finally {
      await second.close();
    }
  });

  it("moves the records an earlier version kept in LevelDB into the shard logs", async () => {
    const first = await start();
    const { StreamDescriptionSummary } = await first.client.send(
      new DescribeStreamSummaryCommand({ StreamName: STREAM }),
    );
    expect(StreamDescriptionSummary?.StreamStatus).toBe("ACTIVE");
    await first.close();

    // An earlier data dir: the records in kinesalite's LevelDB, under the stream's sublevel.
    const fromKinesalite = createRequire(createRequire(import.meta.url).resolve("kinesalite"));
    const levelup = fromKinesalite("levelup");
    const leveldown = fromKinesalite("leveldown");
    const sub = fromKinesalite("subleveldown");
    const db = levelup(leveldown(`${dir.path}/kinesis`));
    const meta = await sub(db, "meta", { valueEncoding: "json" }).get(STREAM);
    const shard0 = parseSequence(meta.Shards[0].SequenceNumberRange.StartingSequenceNumber);
    const records = sub(db, `stream-${STREAM}`, { valueEncoding: "json" });
    for (const [i, data] of ["old-1", "old-2"].entries()) {
      const seq = stringifySequence({
        shardCreateTime: shard0.shardCreateTime,
        shardIx: 0,
        seqIx: i + 1,
        seqTime: Date.now(),
      });
      await records.put(`00000000/${seq}`, {
        PartitionKey: "thing-0",
        Data: Buffer.from(data).toString("base64"),
        ApproximateArrivalTimestamp: Date.now() / 1000,
      });
    }
    await db.close();

    const second = await start();
    try {
      expect(await dataOf(second)).toEqual(["old-1", "old-2"]);
      await put(second, "http", ["new"]);
      expect((await dataOf(second)).sort()).toEqual(["new", "old-1", "old-2"]);
    } finally {
      await second.close();
    }
    const reopened = levelup(leveldown(`${dir.path}/kinesis`));
    const left = await new Promise<number>((resolve) => {
      let n = 0;
      sub(reopened, `stream-${STREAM}`)
        .createKeyStream()
        .on("data", () => n++)
        .on("end", () => resolve(n));
    });
    await reopened.close();
    expect(left).toBe(0);
  });

  it("deletes a stream's files with the stream; a stream created again under its name starts empty", async () => {
    const kinesis = await start();
    try {
      await put(kinesis, "http", ["gone"]);
      await kinesis.sync();
      const files = `${dir.path}/kinesis-records/stream-${STREAM}`;
      expect(readdirSync(files).length).toBeGreaterThan(0);
      await kinesis.client.send(new DeleteStreamCommand({ StreamName: STREAM }));
      expect(existsSync(files)).toBe(false);
      await waitFor(async () => {
        try {
          await kinesis.client.send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: 1 }));
          return true;
        } catch {
          return false;
        }
      }, "the stream created again");
      await waitFor(async () => {
        const { StreamDescriptionSummary } = await kinesis.client.send(
          new DescribeStreamSummaryCommand({ StreamName: STREAM }),
        );
        return StreamDescriptionSummary?.StreamStatus === "ACTIVE";
      }, "the stream active again");
      expect(await dataOf(kinesis)).toEqual([]);
      await put(kinesis, "in-process", ["fresh"]);
      expect(await dataOf(kinesis)).toEqual(["fresh"]);
    } finally {
      await kinesis.close();
    }
  });

  it("forgets what arrived past the stream's retention (24 h) though no reader came across it", async () => {
    const kinesis = await start();
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const record = (name: string) => name.padEnd(700 * 1024, ".");
      const putMany = async (prefix: string) => {
        for (let i = 0; i < 9; i += 3)
          await put(
            kinesis,
            "in-process",
            [0, 1, 2].map((j) => record(`${prefix}-${i + j}`)),
          );
      };
      await putMany("old");
      vi.setSystemTime(Date.now() + 36 * 3_600_000);
      await putMany("new");
      await kinesis.sync();
      // Gone from the disk before any reader came. Each put of three is a segment here: of the old
      // three, the last one stays (the next began within the day), and the three new ones.
      const shards = `${dir.path}/kinesis-records/stream-${STREAM}`;
      const files = readdirSync(shards).flatMap((shard) => readdirSync(`${shards}/${shard}`));
      expect(files.length).toBe(4);
      const names = (await dataOf(kinesis)).map((data) => data.replace(/\.+$/, ""));
      expect(names.slice(-9)).toEqual(Array.from({ length: 9 }, (_, i) => `new-${i}`));
      // Old records go a segment (three records here) at a time, the last old segment with the next's.
      expect(names.filter((name) => name.startsWith("old")).length).toBeLessThanOrEqual(3);
      expect(names).not.toContain("old-0");
    } finally {
      vi.useRealTimers();
      await kinesis.close();
    }
  });
});
