import { describe, expect, it } from "vitest";
import { CallBatcher } from "../src/stores/call-batcher.js";

describe("a call batcher", () => {
  it("runs an idle call alone, and the calls made meanwhile together, each answered its own", async () => {
    const rounds: number[][] = [];
    let release: () => void = () => undefined;
    const batcher = new CallBatcher<number, number>(async (inputs) => {
      rounds.push([...inputs]);
      if (rounds.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return inputs.map((n) => n * 10);
    });
    const first = batcher.call(1);
    const later = [batcher.call(2), batcher.call(3), batcher.call(4)];
    expect(rounds).toEqual([[1]]);
    release();
    expect(await first).toBe(10);
    expect(await Promise.all(later)).toEqual([20, 30, 40]);
    expect(rounds).toEqual([[1], [2, 3, 4]]);
  });

  it("rejects every call of a failed round, then goes on; a round holds at most its bound", async () => {
    let fail = true;
    const rounds: number[] = [];
    const batcher = new CallBatcher<number, number>(async (inputs) => {
      rounds.push(inputs.length);
      if (fail) throw new Error("database closed");
      return [...inputs];
    }, 2);
    const failed = [batcher.call(1), batcher.call(2)];
    for (const call of failed) await expect(call).rejects.toThrow("database closed");
    fail = false;
    expect(await Promise.all([batcher.call(5), batcher.call(6), batcher.call(7)])).toEqual([5, 6, 7]);
    expect(Math.max(...rounds)).toBeLessThanOrEqual(2);
  });

  it("is idle only once the round under way and those waiting are done", async () => {
    const done: number[] = [];
    let release: () => void = () => undefined;
    const batcher = new CallBatcher<number, void>(async (inputs) => {
      if (done.length === 0) await new Promise<void>((resolve) => (release = resolve));
      done.push(...inputs);
      return inputs.map(() => undefined);
    });
    await batcher.idle();
    const calls = [batcher.call(1), batcher.call(2), batcher.call(3)];
    let idle = false;
    const waiting = batcher.idle().then(() => (idle = true));
    await Promise.resolve();
    expect(idle).toBe(false);
    release();
    await waiting;
    expect(done).toEqual([1, 2, 3]);
    await Promise.all(calls);
  });
});
