import { appendFileSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DiskFailures } from "../src/lib/disk-failures.js";
import { BookkeepingJournal } from "../src/stores/bookkeeping-journal.js";
import { Database } from "../src/stores/database.js";
import { JournalCounters } from "../src/stores/journal-counters.js";
import { CheckpointStore } from "../src/streams/event-sources/checkpoint-store.js";

let dir: string;
let path: string;
const open: BookkeepingJournal[] = [];

async function journal(options?: Parameters<typeof BookkeepingJournal.open>[1]) {
  const opened = await BookkeepingJournal.open(path, options);
  open.push(opened);
  return opened;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fleetline-journal-"));
  path = join(dir, "bookkeeping.journal");
});

afterEach(async () => {
  for (const opened of open.splice(0)) await opened.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the bookkeeping journal", () => {
  it("keeps the newest checkpoint of every mapping and shard and every counter's total across a restart", async () => {
    const first = await journal();
    const checkpoints = new CheckpointStore(first);
    const counters = new JournalCounters(first);
    await Promise.all([
      ...Array.from({ length: 50 }, (_, i) =>
        checkpoints.set(`m${i % 3}`, `shardId-00000000000${i % 2}`, String(1000 + i)),
      ),
      ...Array.from({ length: 50 }, () => counters.add({ received: 2, stored: 1 })),
    ]);
    await checkpoints.set("m0", "shardId-000000000000", "2000");
    await first.close();

    const again = new CheckpointStore(await journal());
    expect(await again.get("m0", "shardId-000000000000")).toBe("2000");
    expect(await again.get("m1", "shardId-000000000001")).toBe("1049");
    expect(await again.get("m2", "shardId-000000000000")).toBe("1044");
    expect(await again.get("m2", "shardId-000000000001")).toBe("1047");
    expect(await new JournalCounters(open[1] as BookkeepingJournal).read()).toMatchObject({
      received: 100,
      stored: 50,
    });
  });

  it("writes what arrives during a round together: one entry, one fsync, for many callers", async () => {
    const book = await journal();
    const counters = new JournalCounters(book);
    await counters.add({ received: 1 });
    const sizeAfterOne = statSync(path).size;
    await Promise.all(Array.from({ length: 200 }, () => counters.add({ received: 1, valid: 1 })));
    // The first of the 200 goes alone; the other 199 wait for it and go together in one more entry.
    const entries =
      readFileSync(path)
        .toString("utf8")
        .match(/"counts"/g) ?? [];
    expect(entries.length).toBe(3);
    expect(statSync(path).size).toBeLessThan(sizeAfterOne * 4);
    expect(await counters.read()).toMatchObject({ received: 201, valid: 200 });
  });

  it("cuts off an entry a crash tore and keeps every whole one before it", async () => {
    const first = await journal();
    await new CheckpointStore(first).set("validate", "shardId-000000000000", "100");
    await new JournalCounters(first).add({ stored: 7 });
    await first.close();
    open.pop();
    const whole = statSync(path).size;
    appendFileSync(path, Buffer.from([200, 0, 0, 0, 123, 34, 99]));

    const again = await journal();
    expect(await new CheckpointStore(again).get("validate", "shardId-000000000000")).toBe("100");
    expect((await new JournalCounters(again).read()).stored).toBe(7);
    expect(statSync(path).size).toBe(whole);
    await new JournalCounters(again).add({ stored: 1 });
    await again.close();
    open.pop();
    expect((await new JournalCounters(await journal()).read()).stored).toBe(8);
  });

  it("counts nothing of a round the disk refuses or cannot make durable, and goes on once it can", async () => {
    const disk = new DiskFailures();
    const book = await journal({ disk });
    const checkpoints = new CheckpointStore(book);
    const counters = new JournalCounters(book);
    await counters.add({ stored: 1 });
    const size = statSync(path).size;

    disk.full = true;
    await expect(counters.add({ stored: 5 })).rejects.toThrow(/No space left on device/);
    disk.full = false;
    disk.syncFails = true;
    await expect(checkpoints.set("store", "shardId-000000000000", "9")).rejects.toThrow(
      /Input\/output error/,
    );
    disk.syncFails = false;
    expect(statSync(path).size).toBe(size);
    expect((await counters.read()).stored).toBe(1);
    expect(await checkpoints.get("store", "shardId-000000000000")).toBeUndefined();

    await checkpoints.set("store", "shardId-000000000000", "10");
    await book.close();
    open.pop();
    const again = await journal();
    expect(await new CheckpointStore(again).get("store", "shardId-000000000000")).toBe("10");
    expect((await new JournalCounters(again).read()).stored).toBe(1);
  });

  it("writes a checkpoint only once what the finished batches put is synced, and not at all when the sync fails", async () => {
    let failing = true;
    let syncs = 0;
    const checkpoints = new CheckpointStore(await journal(), async () => {
      syncs += 1;
      if (failing) throw new Error("IO error: kinesis-records/shard-0: Input/output error");
    });
    await expect(checkpoints.set("validate", "shardId-000000000000", "100")).rejects.toThrow(/Input\/output/);
    expect(await checkpoints.get("validate", "shardId-000000000000")).toBeUndefined();
    failing = false;
    await checkpoints.set("validate", "shardId-000000000000", "100");
    expect(await checkpoints.get("validate", "shardId-000000000000")).toBe("100");
    expect(syncs).toBe(2);
  });

  it("rewrites itself as one entry when it grows past a mebibyte, and reads back the same", async () => {
    const book = await journal();
    const checkpoints = new CheckpointStore(book);
    const counters = new JournalCounters(book);
    const key = "k".repeat(600);
    for (let i = 0; i < 2_000; i++) {
      await checkpoints.set(`validate-${key}`, "shardId-000000000000", String(i));
      await counters.add({ received: 1 });
    }
    expect(statSync(path).size).toBeLessThan(1024 * 1024);
    await book.close();
    open.pop();
    const again = await journal();
    expect(await new CheckpointStore(again).get(`validate-${key}`, "shardId-000000000000")).toBe("1999");
    expect((await new JournalCounters(again).read()).received).toBe(2_000);
  });

  it("takes the checkpoints and counters an earlier version kept in DuckDB, once, and drops their tables", async () => {
    const db = await Database.open(join(dir, "fleetline.duckdb"));
    try {
      await db.run(
        "CREATE TABLE checkpoints (mapping VARCHAR, shard_id VARCHAR, sequence_number VARCHAR, PRIMARY KEY (mapping, shard_id))",
      );
      await db.run("INSERT INTO checkpoints VALUES ('store', 'shardId-000000000001', '4242')");
      await db.run("CREATE TABLE counters (name VARCHAR PRIMARY KEY, value BIGINT NOT NULL)");
      await db.run("INSERT INTO counters VALUES ('stored', 31), ('received', 40)");

      const book = await journal({ legacy: db });
      expect(await new CheckpointStore(book).get("store", "shardId-000000000001")).toBe("4242");
      expect(await new JournalCounters(book).read()).toMatchObject({ stored: 31, received: 40 });
      expect(
        await db.all(
          "SELECT table_name FROM duckdb_tables() WHERE table_name IN ('checkpoints', 'counters')",
        ),
      ).toEqual([]);
      await new JournalCounters(book).add({ stored: 1 });
      await book.close();
      open.pop();
      expect((await new JournalCounters(await journal({ legacy: db })).read()).stored).toBe(32);
    } finally {
      await db.close();
    }
  });

  it("lives in memory without a path", async () => {
    const book = await BookkeepingJournal.open(undefined);
    await new JournalCounters(book).add({ valid: 3 });
    expect((await new JournalCounters(book).read()).valid).toBe(3);
    await book.close();
    expect(readdirSync(dir)).toEqual([]);
  });
});
