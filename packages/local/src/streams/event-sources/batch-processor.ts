import type { KinesisStreamBatchResponse } from "aws-lambda";
import type { ShardRecord } from "./kinesis-event.js";

/** How an invocation ended, from the event source's point of view. */
export type InvokeOutcome =
  | { kind: "success" }
  /** Index of the record with the lowest failed sequence number. */
  | { kind: "partial"; firstFailed: number }
  | { kind: "error"; error: unknown };

export type FailureCondition = "RetryAttemptsExhausted" | "RecordAgeExceeded";

export interface BatchSettings {
  maxRetryAttempts: number;
  maxRecordAgeSeconds: number;
  bisectBatchOnFunctionError: boolean;
}

/**
 * What processing a batch needs from its event source. `checkpoint`, `deadLetter` and
 * `beforeRetry` answer false when the event source is stopping before they could be done: the
 * batch ends there, unfinished, and is read again from the last checkpoint on the next start.
 */
export interface BatchHooks {
  invoke(records: readonly ShardRecord[]): Promise<InvokeOutcome>;
  /** Records up to and including this one are done with (processed or dead-lettered). */
  checkpoint(sequenceNumber: string): Promise<boolean>;
  deadLetter(
    records: readonly ShardRecord[],
    condition: FailureCondition,
    invokeCount: number,
  ): Promise<boolean>;
  /** Waits before the `retry`-th retry of a failed invocation (1-based). */
  beforeRetry?(retry: number): Promise<boolean>;
  /** A record's age for MaximumRecordAge: how long it has waited while the event source ran. */
  ageOf(record: ShardRecord): number;
}

/**
 * Reads a handler's result as Lambda does with ReportBatchItemFailures: nothing, null or an empty
 * list is success; otherwise retry from the lowest failed sequence number. An empty, null or
 * unknown itemIdentifier fails the whole batch.
 */
export function outcomeOf(
  result: KinesisStreamBatchResponse | undefined | null | unknown,
  records: readonly ShardRecord[],
  reportBatchItemFailures: boolean,
): InvokeOutcome {
  if (!reportBatchItemFailures || result === undefined || result === null) return { kind: "success" };
  const failures = (result as Partial<KinesisStreamBatchResponse>).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: "success" };
  if (!Array.isArray(failures)) return { kind: "error", error: new Error("batchItemFailures is not a list") };
  if (failures.length === 0) return { kind: "success" };
  let firstFailed = -1;
  for (const failure of failures) {
    const id = failure?.itemIdentifier;
    const index =
      typeof id === "string" && id !== "" ? records.findIndex((r) => r.sequenceNumber === id) : -1;
    if (index < 0) {
      return {
        kind: "error",
        error: new Error(`invalid itemIdentifier ${JSON.stringify(id)}: the whole batch failed`),
      };
    }
    // Sequence numbers are 56-digit decimals: compare as BigInt, never as numbers or strings.
    if (firstFailed < 0 || BigInt(id as string) < BigInt(records[firstFailed]?.sequenceNumber ?? "0"))
      firstFailed = index;
  }
  return { kind: "partial", firstFailed };
}

/**
 * Runs one batch to completion with Lambda's Kinesis semantics: retry from the lowest failed
 * record on a partial failure; on a function error, bisect (without spending retries) when
 * enabled; after `maxRetryAttempts` retries, or for records older than `maxRecordAgeSeconds`,
 * send the batch's info to the on-failure destination and move on.
 */
export async function processBatch(
  records: readonly ShardRecord[],
  settings: BatchSettings,
  hooks: BatchHooks,
): Promise<boolean> {
  return attempt(records, 0, 0, settings, hooks);
}

/** Resolves true when every record is done with, false when the batch ended unfinished. */
async function attempt(
  initial: readonly ShardRecord[],
  initialRetries: number,
  initialInvokes: number,
  settings: BatchSettings,
  hooks: BatchHooks,
): Promise<boolean> {
  let records = initial;
  let retries = initialRetries;
  let invokes = initialInvokes;
  for (;;) {
    const maxAgeMs = settings.maxRecordAgeSeconds * 1000;
    const expired = records.filter((record) => hooks.ageOf(record) > maxAgeMs);
    if (expired.length > 0) {
      if (!(await hooks.deadLetter(expired, "RecordAgeExceeded", invokes))) return false;
      records = records.filter((record) => !expired.includes(record));
      if (!(await hooks.checkpoint((expired.at(-1) as ShardRecord).sequenceNumber))) return false;
      if (records.length === 0) return true;
    }

    const outcome = await hooks.invoke(records);
    invokes += 1;
    if (outcome.kind === "success") return hooks.checkpoint((records.at(-1) as ShardRecord).sequenceNumber);
    if (outcome.kind === "partial") {
      const done = records[outcome.firstFailed - 1];
      if (done && !(await hooks.checkpoint(done.sequenceNumber))) return false;
      records = records.slice(outcome.firstFailed);
    } else if (settings.bisectBatchOnFunctionError && records.length > 1) {
      const half = Math.ceil(records.length / 2);
      if (!(await attempt(records.slice(0, half), retries, invokes, settings, hooks))) return false;
      return attempt(records.slice(half), retries, invokes, settings, hooks);
    }
    if (retries >= settings.maxRetryAttempts) {
      if (!(await hooks.deadLetter(records, "RetryAttemptsExhausted", invokes))) return false;
      return hooks.checkpoint((records.at(-1) as ShardRecord).sequenceNumber);
    }
    retries += 1;
    if (hooks.beforeRetry && !(await hooks.beforeRetry(retries))) return false;
  }
}
