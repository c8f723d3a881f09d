import { appendFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeFrames, encodeFrames, type LogEntry } from "../src/streams/kinesis/segment-frames.js";
import { SEGMENT_BYTES, ShardLog } from "../src/streams/kinesis/shard-log.js";
import { tempDir } from "./helpers.js";

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  dir = await tempDir("shard-log");
});
afterEach(() => dir.remove());

/** Sequence numbers as kinesalite makes them: 56 digits, increasing. */
const seq = (n: number) => `4968093471${String(n).padStart(46, "0")}`;
const entry = (n: number, data = "ZGF0YQ=="): LogEntry => ({
  seq: seq(n),
  value: {
    PartitionKey: `thing-${n % 7}`,
    Data: data,
    ApproximateArrivalTimestamp: 1_765_000_000 + n / 1000,
  },
});
const seqs = (entries: Iterable<LogEntry>) => [...entries].map((e) => e.seq);
const segments = (path: string) => readdirSync(path).filter((name) => name.endsWith(".seg"));

describe("a shard's log", () => {
  it("frames round-trip, unicode partition keys included; a torn frame ends what is read", () => {
    const entries = [entry(1), { ...entry(2), value: { ...entry(2).value, PartitionKey: "émoji-🛰" } }];
    const bytes = encodeFrames(entries);
    expect(decodeFrames(bytes)).toEqual({ entries, validBytes: bytes.length });
    const torn = bytes.subarray(0, bytes.length - 3);
    expect(decodeFrames(torn)).toEqual({
      entries: [entries[0]],
      validBytes: encodeFrames([entry(1)]).length,
    });
  });

  it("reads back after a restart, cuts off a crash's torn last frame, and appends after it", async () => {
    const path = join(dir.path, "shard-0");
    const log = new ShardLog(path);
    log.append([entry(1), entry(2)]);
    log.append([entry(3)]);
    await log.sync();
    await log.close();
    const [file] = segments(path);
    const whole = statSync(join(path, file as string)).size;
    // A crash in the middle of the next write: half a frame at the end of the file.
    appendFileSync(join(path, file as string), encodeFrames([entry(4)]).subarray(0, 20));

    const reopened = new ShardLog(path);
    expect(statSync(join(path, file as string)).size).toBe(whole);
    expect(reopened.lastSeq()).toBe(seq(3));
    reopened.append([entry(5)]);
    expect(seqs(reopened.read(undefined, true))).toEqual([seq(1), seq(2), seq(3), seq(5)]);
    await reopened.close();
    expect(seqs(new ShardLog(path).read(undefined, true))).toEqual([seq(1), seq(2), seq(3), seq(5)]);
  });

  it("rolls to a new segment past its size, reads across segments from any record, forgets whole segments", async () => {
    const path = join(dir.path, "shard-1");
    const log = new ShardLog(path);
    const big = "x".repeat(64 * 1024);
    const count = Math.ceil((3 * SEGMENT_BYTES) / big.length) + 2;
    for (let n = 1; n <= count; n++) log.append([entry(n, big)]);
    await log.sync();
    expect(segments(path).length).toBeGreaterThanOrEqual(4);

    const all = seqs(log.read(undefined, true));
    expect(all).toEqual(Array.from({ length: count }, (_, i) => seq(i + 1)));
    // From the start of a closed segment no longer in memory: read back from its file.
    expect(seqs(log.read(seq(2), true))[0]).toBe(seq(2));
    expect(seqs(log.read(seq(2), false))[0]).toBe(seq(3));
    expect(seqs(log.read(seq(count), false))).toEqual([]);

    const before = segments(path).length;
    log.forgetThrough(seq(count - 1));
    expect(segments(path).length).toBeLessThan(before);
    expect(seqs(log.read(undefined, true))).toEqual([seq(count)]);
    await log.close();
  });

  it("in memory without a directory, forgetting what kinesalite deletes", () => {
    const log = new ShardLog(undefined);
    log.append([entry(1), entry(2), entry(3)]);
    log.forgetThrough(seq(2));
    expect(seqs(log.read(undefined, true))).toEqual([seq(3)]);
    expect(log.lastSeq()).toBe(seq(3));
  });

  it("forgets what arrived past the retention though nobody read it: whole segments on disk, records in memory", async () => {
    const path = join(dir.path, "shard-2");
    const hour = 3_600_000;
    let now = 1_765_000_000_000;
    const arriving = (n: number, data = "ZGF0YQ=="): LogEntry => ({
      ...entry(n, data),
      value: { ...entry(n, data).value, ApproximateArrivalTimestamp: now / 1000 },
    });
    const log = new ShardLog(
      path,
      () => 24 * hour,
      () => now,
    );
    const big = "x".repeat(64 * 1024);
    const perSegment = Math.ceil(SEGMENT_BYTES / big.length) + 1;
    let n = 0;
    // Two segments' worth, then a day and a half later two more.
    for (let i = 0; i < 2 * perSegment; i++) log.append([arriving(++n, big)]);
    const old = n;
    now += 36 * hour;
    for (let i = 0; i < 2 * perSegment; i++) log.append([arriving(++n, big)]);
    await log.sync();
    const kept = seqs(log.read(undefined, true));
    // Every record that arrived within the day is kept; of the old ones, at most the last segment's.
    expect(kept.slice(-2 * perSegment)).toEqual(
      Array.from({ length: 2 * perSegment }, (_, i) => seq(old + i + 1)),
    );
    expect(kept.length).toBeLessThanOrEqual(3 * perSegment + 1);
    expect(kept).not.toContain(seq(1));
    expect(segments(path).length).toBeLessThanOrEqual(4);
    await log.close();
    // Read back after a restart, the segments' first arrivals from their files.
    now += 36 * hour;
    const reopened = new ShardLog(
      path,
      () => 24 * hour,
      () => now,
    );
    reopened.expire();
    const after = seqs(reopened.read(undefined, true));
    // Only the open segment is left: what follows it began past the cutoff, or nothing does.
    expect(segments(path).length).toBe(1);
    expect(after.at(-1)).toBe(seq(n));
    expect(after.length).toBeLessThanOrEqual(perSegment + 1);
    await reopened.close();

    const memory = new ShardLog(
      undefined,
      () => 24 * hour,
      () => now,
    );
    const start = n;
    for (let i = 0; i < 5_000; i++) memory.append([arriving(++n)]);
    now += 36 * hour;
    for (let i = 0; i < 5_000; i++) memory.append([arriving(++n)]);
    const inMemory = seqs(memory.read(undefined, true));
    expect(inMemory).not.toContain(seq(start + 1));
    expect(inMemory.slice(-5_000)).toEqual(Array.from({ length: 5_000 }, (_, i) => seq(start + 5_001 + i)));
  });
});
