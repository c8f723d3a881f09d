import { hold, waitForQuiet } from "@fleetline/testing";
import { describe, expect, it } from "vitest";
import { DiskFailures } from "../src/lib/disk-failures.js";
import { decode, put, start } from "./event-source-fixture.js";
import { waitFor } from "./helpers.js";

/** Until the mapping's figures stop moving: nothing more is coming from it. */
const quiet = (runtime: Awaited<ReturnType<typeof start>>, extra: () => unknown) =>
  waitForQuiet(async () => {
    const [health] = runtime.emulator.health();
    return {
      idle: health?.metrics.recordsBehind === 0 || health?.status === "down",
      state: { stats: [...runtime.emulator.stats.values()], extra: extra() },
    };
  }, "the event source to be quiet");

describe("the event-source emulator under failure", () => {
  it("abandons a timed-out invocation: its result is ignored and its retry starts only after it returns", async () => {
    const calls: Array<{ records: string[]; start: number; end?: number }> = [];
    const runtime = await start(
      "es-timeout",
      {
        functionName: "slow",
        timeoutMs: 100,
        handler: async (event) => {
          const call: { records: string[]; start: number; end?: number } = {
            records: decode(event),
            start: Date.now(),
          };
          calls.push(call);
          // The first invocation overruns its timeout and would report every record failed.
          if (calls.length === 1) {
            await hold(400);
            call.end = Date.now();
            return {
              batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })),
            };
          }
          call.end = Date.now();
          return { batchItemFailures: [] };
        },
      },
      undefined,
      1,
    );
    await put(runtime, "es-timeout", [
      ["k", "a"],
      ["k", "b"],
    ]);
    // A timeout is a function error: the batch is bisected and each half retried.
    await waitFor(() => calls.length === 3 && calls[2]?.end, "the retries");
    const [first, retry, second] = calls as [(typeof calls)[0], (typeof calls)[0], (typeof calls)[0]];
    expect(first.records).toEqual(["a", "b"]);
    expect([retry.records, second.records]).toEqual([["a"], ["b"]]);
    expect(retry.start).toBeGreaterThanOrEqual(first.end as number);
    await quiet(runtime, () => calls.length);
    expect(calls).toHaveLength(3);
    expect(runtime.emulator.stats.get("slow")).toMatchObject({
      invocations: 3,
      functionErrors: 1,
      deadLettered: 0,
    });
    expect(runtime.emulator.stats.get("slow")?.lastError?.message).toBe("Task timed out after 100 ms");
  });

  it("waits longer before each retry of a failed batch", async () => {
    const starts: number[] = [];
    const runtime = await start(
      "es-backoff",
      {
        functionName: "flaky",
        retryDelayMs: 150,
        handler: async () => {
          starts.push(Date.now());
          if (starts.length < 3) throw new Error("store unavailable");
        },
      },
      undefined,
      1,
    );
    await put(runtime, "es-backoff", [["k", "x"]]);
    await waitFor(() => starts.length === 3, "two retries", 5_000);
    const [a, b, c] = starts as [number, number, number];
    expect(b - a).toBeGreaterThanOrEqual(145);
    expect(c - b).toBeGreaterThanOrEqual(295);
  });

  it("retries a checkpoint the state store cannot write until it can, without re-invoking or skipping", async () => {
    const disk = new DiskFailures();
    const seen: string[] = [];
    const runtime = await start(
      "es-checkpoint",
      {
        functionName: "ck",
        handler: async (event) => {
          seen.push(...decode(event));
          // The disk fills up while the batch runs: its checkpoint cannot be written.
          if (seen.length === 1) disk.full = true;
        },
      },
      undefined,
      1,
      disk,
    );
    await put(runtime, "es-checkpoint", [["k", "one"]]);
    const stuck = await waitFor(() => {
      const [health] = runtime.emulator.health();
      return health?.status === "down" ? health : undefined;
    }, "the mapping to report its stuck checkpoint");
    expect(stuck.detail).toMatch(/the checkpoint cannot be written: .*No space left on device/);
    await put(runtime, "es-checkpoint", [["k", "two"]]);
    await quiet(runtime, () => seen.length);
    expect(seen).toEqual(["one"]);

    disk.full = false;
    await waitFor(() => seen.includes("two"), "the next record");
    expect(seen).toEqual(["one", "two"]);
    await waitFor(() => runtime.emulator.health()[0]?.status === "ok", "the mapping to recover");
  });

  it("keeps a dead letter it cannot send until the queue takes it, then moves on", async () => {
    const disk = new DiskFailures();
    const processed: string[] = [];
    const runtime = await start(
      "es-dead-letter",
      {
        functionName: "dl",
        maxRetryAttempts: 0,
        handler: async (event) => {
          const data = decode(event);
          if (data.includes("poison")) {
            disk.full = true;
            throw new Error("cannot handle poison");
          }
          processed.push(...data);
        },
      },
      undefined,
      1,
      disk,
    );
    await put(runtime, "es-dead-letter", [["k", "poison"]]);
    await waitFor(() => runtime.emulator.health()[0]?.status === "down", "the stuck dead letter");
    await put(runtime, "es-dead-letter", [["k", "after"]]);
    await quiet(runtime, () => processed.length);
    expect(processed).toEqual([]);
    disk.full = false;
    await waitFor(() => processed.includes("after"), "the record after the poison");
    expect(await runtime.queues.count("fleetline-dead-letter")).toBe(1);
    expect(runtime.emulator.stats.get("dl")?.deadLettered).toBe(1);
  });

  it("reports how far behind a shard is while its batch is held up", async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let done = 0;
    const runtime = await start(
      "es-behind",
      {
        functionName: "behind",
        batchSize: 10,
        handler: async (event) => {
          await released;
          done += event.Records.length;
        },
      },
      undefined,
      1,
    );
    await put(
      runtime,
      "es-behind",
      Array.from({ length: 30 }, (_, i) => ["k", `r${i}`] as [string, string]),
    );
    const behind = await waitFor(() => {
      const [health] = runtime.emulator.health();
      return health?.metrics.recordsBehind === 30 ? health : undefined;
    }, "30 records behind");
    // The oldest record waits on: its age grows while the function is held.
    await waitFor(
      () => Number(runtime.emulator.health()[0]?.metrics.iteratorAgeMs) >= 50,
      "the iterator age to grow",
    );
    expect(behind.name).toBe("eventSource:behind");
    release();
    await waitFor(() => done === 30, "every record");
    await waitFor(() => runtime.emulator.health()[0]?.metrics.recordsBehind === 0, "caught up");
    expect(runtime.emulator.health()[0]).toMatchObject({ status: "ok", metrics: { iteratorAgeMs: 0 } });
  });
});
