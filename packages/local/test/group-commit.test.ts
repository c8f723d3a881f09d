import { afterEach, describe, expect, it } from "vitest";
import { Database } from "../src/stores/database.js";
import { GroupCommit } from "../src/stores/group-commit.js";
import { CheckpointStore } from "../src/streams/event-sources/checkpoint-store.js";

describe("a group commit", () => {
  it("writes what arrives during a write together, merged by key, and resolves each caller after it", async () => {
    const writes: Array<Record<string, number>> = [];
    let release: () => void = () => undefined;
    const group = new GroupCommit<number>(
      async (values) => {
        writes.push(Object.fromEntries(values));
        if (writes.length === 1) await new Promise<void>((resolve) => (release = resolve));
      },
      (a, b) => a + b,
    );
    const first = group.add([["a", 1]]);
    const waiting = [group.add([["a", 2]]), group.add([["b", 5]]), group.add([["a", 3]])];
    let settled = 0;
    for (const promise of waiting) void promise.then(() => (settled += 1));
    await Promise.resolve();
    expect(writes).toEqual([{ a: 1 }]);
    release();
    await first;
    await Promise.all(waiting);
    expect(settled).toBe(3);
    expect(writes).toEqual([{ a: 1 }, { a: 5, b: 5 }]);
  });

  it("rejects every caller of a failed write, and the next write goes on", async () => {
    let fail = true;
    const group = new GroupCommit<number>(async () => {
      if (fail) throw new Error("disk full");
    });
    const failed = [group.add([["a", 1]]), group.add([["b", 1]])];
    for (const promise of failed) await expect(promise).rejects.toThrow("disk full");
    fail = false;
    await expect(group.add([["a", 2]])).resolves.toBeUndefined();
    await expect(group.add([])).resolves.toBeUndefined();
  });
});

describe("checkpoints written in groups", () => {
  let db: Database | undefined;
  afterEach(async () => db?.close());

  it("keep the newest sequence number of every mapping and shard", async () => {
    db = await Database.open(":memory:");
    const checkpoints = await CheckpointStore.open(db);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        checkpoints.set(`m${i % 3}`, `shardId-00000000000${i % 2}`, String(1000 + i)),
      ),
    );
    await checkpoints.set("m0", "shardId-000000000000", "2000");
    expect(await checkpoints.get("m0", "shardId-000000000000")).toBe("2000");
    expect(await checkpoints.get("m1", "shardId-000000000001")).toBe("1049");
    expect(await checkpoints.get("m2", "shardId-000000000000")).toBe("1044");
    expect(await checkpoints.get("m2", "shardId-000000000001")).toBe("1047");
  });

  it("are written only once what the finished batches put is synced, and not at all when the sync fails", async () => {
    db = await Database.open(":memory:");
    let failing = true;
    let syncs = 0;
    const checkpoints = await CheckpointStore.open(db, async () => {
      syncs += 1;
      if (failing) throw new Error("IO error: kinesis/000003.log: Input/output error");
    });
    await expect(checkpoints.set("validate", "shardId-000000000000", "100")).rejects.toThrow(/Input\/output/);
    expect(await checkpoints.get("validate", "shardId-000000000000")).toBeUndefined();
    failing = false;
    await checkpoints.set("validate", "shardId-000000000000", "100");
    expect(await checkpoints.get("validate", "shardId-000000000000")).toBe("100");
    expect(syncs).toBe(2);
  });
});
