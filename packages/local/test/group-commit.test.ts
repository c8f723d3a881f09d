import { describe, expect, it } from "vitest";
import { GroupCommit } from "../src/stores/group-commit.js";

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
