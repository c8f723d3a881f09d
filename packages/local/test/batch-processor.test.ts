import { describe, expect, it } from "vitest";
import {
  type BatchSettings,
  type FailureCondition,
  type InvokeOutcome,
  outcomeOf,
  processBatch,
} from "../src/streams/event-sources/batch-processor.js";
import type { ShardRecord } from "../src/streams/event-sources/kinesis-event.js";

const NOW = 1_764_297_000_000;
const settings: BatchSettings = {
  maxRetryAttempts: 5,
  maxRecordAgeSeconds: 3600,
  bisectBatchOnFunctionError: true,
};

/** Sequence numbers long enough that Number would lose precision, as Kinesis's are. */
function records(count: number, arrival = NOW - 1000): ShardRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    sequenceNumber: (
      49_600_000_000_000_000_000_000_000_000_000_000_000_000_000_000n +
      BigInt(i) * 2n
    ).toString(),
    partitionKey: "thing",
    data: new TextEncoder().encode(String(i)),
    approximateArrivalTimestamp: arrival,
  }));
}

function run(
  batch: ShardRecord[],
  invoke: (records: readonly ShardRecord[]) => InvokeOutcome,
  overrides: Partial<BatchSettings> = {},
) {
  const invocations: string[][] = [];
  const checkpoints: string[] = [];
  const deadLetters: Array<{ ids: string[]; condition: FailureCondition; invokeCount: number }> = [];
  const ids = (rs: readonly ShardRecord[]) => rs.map((r) => new TextDecoder().decode(r.data));
  return processBatch(
    batch,
    { ...settings, ...overrides },
    {
      ageOf: (record) => NOW - record.approximateArrivalTimestamp,
      invoke: async (rs) => {
        invocations.push(ids(rs));
        return invoke(rs);
      },
      checkpoint: async (seq) => {
        checkpoints.push(seq);
        return true;
      },
      deadLetter: async (rs, condition, invokeCount) => {
        deadLetters.push({ ids: ids(rs), condition, invokeCount });
        return true;
      },
    },
  ).then(() => ({ invocations, checkpoints, deadLetters }));
}

const idOf = (record: ShardRecord) => new TextDecoder().decode(record.data);

describe("processBatch", () => {
  it("checkpoints the last record of a successful batch", async () => {
    const batch = records(3);
    const result = await run(batch, () => ({ kind: "success" }));
    expect(result.invocations).toEqual([["0", "1", "2"]]);
    expect(result.checkpoints).toEqual([batch[2]?.sequenceNumber]);
  });

  it("retries from the lowest failed sequence number after a partial failure", async () => {
    const batch = records(5);
    let calls = 0;
    const result = await run(batch, () =>
      calls++ === 0 ? { kind: "partial", firstFailed: 2 } : { kind: "success" },
    );
    expect(result.invocations).toEqual([
      ["0", "1", "2", "3", "4"],
      ["2", "3", "4"],
    ]);
    expect(result.checkpoints).toEqual([batch[1]?.sequenceNumber, batch[4]?.sequenceNumber]);
    expect(result.deadLetters).toEqual([]);
  });

  it("bisects a failing batch down to a poison record, dead-letters it after 5 retries, and processes the rest", async () => {
    const batch = records(8);
    const result = await run(batch, (rs) =>
      rs.some((r) => idOf(r) === "5") ? { kind: "error", error: new Error("poison") } : { kind: "success" },
    );
    const poisonInvocations = result.invocations.filter((ids) => ids.length === 1 && ids[0] === "5");
    expect(poisonInvocations).toHaveLength(6); // the first try and 5 retries
    expect(result.deadLetters).toEqual([{ ids: ["5"], condition: "RetryAttemptsExhausted", invokeCount: 9 }]);
    const processed = result.invocations.filter((ids) => !ids.includes("5")).flat();
    expect(processed).toEqual(["0", "1", "2", "3", "4", "6", "7"]);
    expect(result.checkpoints.at(-1)).toBe(batch[7]?.sequenceNumber);
  });

  it("retries the whole batch without bisecting when bisect is off", async () => {
    const result = await run(records(4), () => ({ kind: "error", error: new Error("down") }), {
      bisectBatchOnFunctionError: false,
      maxRetryAttempts: 2,
    });
    expect(result.invocations).toHaveLength(3);
    expect(result.deadLetters).toEqual([
      { ids: ["0", "1", "2", "3"], condition: "RetryAttemptsExhausted", invokeCount: 3 },
    ]);
  });

  it("dead-letters records older than the maximum record age without invoking", async () => {
    const old = records(2, NOW - 3_601_000);
    const result = await run(old, () => ({ kind: "success" }));
    expect(result.invocations).toEqual([]);
    expect(result.deadLetters).toEqual([{ ids: ["0", "1"], condition: "RecordAgeExceeded", invokeCount: 0 }]);
    expect(result.checkpoints).toEqual([old[1]?.sequenceNumber]);
  });
});

describe("outcomeOf (ReportBatchItemFailures)", () => {
  const batch = records(4);
  const id = (i: number) => batch[i]?.sequenceNumber as string;

  it("reads no response, null and an empty list as success", () => {
    expect(outcomeOf(undefined, batch, true)).toEqual({ kind: "success" });
    expect(outcomeOf(null, batch, true)).toEqual({ kind: "success" });
    expect(outcomeOf({ batchItemFailures: [] }, batch, true)).toEqual({ kind: "success" });
  });

  it("picks the lowest failed sequence number, compared as BigInt", () => {
    const failures = [{ itemIdentifier: id(3) }, { itemIdentifier: id(1) }, { itemIdentifier: id(2) }];
    expect(outcomeOf({ batchItemFailures: failures }, batch, true)).toEqual({
      kind: "partial",
      firstFailed: 1,
    });
  });

  it("fails the whole batch on an empty, null or unknown itemIdentifier", () => {
    for (const itemIdentifier of ["", null, "123"]) {
      expect(outcomeOf({ batchItemFailures: [{ itemIdentifier }] }, batch, true)).toMatchObject({
        kind: "error",
      });
    }
  });

  it("ignores the response when ReportBatchItemFailures is off", () => {
    expect(outcomeOf({ batchItemFailures: [{ itemIdentifier: id(0) }] }, batch, false)).toEqual({
      kind: "success",
    });
  });
});
