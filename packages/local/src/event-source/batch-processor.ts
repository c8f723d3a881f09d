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

export interface BatchHooks {
  invoke(records: readonly ShardRecord[]): Promise<InvokeOutcome>;
  /** Records up to and including this one are done with (processed or dead-lettered). */
  checkpoint(sequenceNumber: string): Promise<void>;
  deadLetter(
    records: readonly ShardRecord[],
    condition: FailureCondition,
    invokeCount: number,
  ): Promise<void>;
  now(): number;
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
): Promise<void> {
  await attempt(records, 0, 0, settings, hooks);
}

async function attempt(
  initial: readonly ShardRecord[],
  initialRetries: number,
  initialInvokes: number,
  settings: BatchSettings,
  hooks: BatchHooks,
): Promise<void> {
  let records = initial;
  let retries = initialRetries;
  let invokes = initialInvokes;
  for (;;) {
    const maxAgeMs = settings.maxRecordAgeSeconds * 1000;
    const expired = records.filter((record) => hooks.now() - record.approximateArrivalTimestamp > maxAgeMs);
    if (expired.length > 0) {
      await hooks.deadLetter(expired, "RecordAgeExceeded", invokes);
      records = records.filter((record) => !expired.includes(record));
      await hooks.checkpoint((expired.at(-1) as ShardRecord).sequenceNumber);
      if (records.length === 0) return;
    }

    const outcome = await hooks.invoke(records);
    invokes += 1;
    if (outcome.kind === "success") {
      await hooks.checkpoint((records.at(-1) as ShardRecord).sequenceNumber);
      return;
    }
    if (outcome.kind === "partial") {
      const done = records[outcome.firstFailed - 1];
      if (done) await hooks.checkpoint(done.sequenceNumber);
      records = records.slice(outcome.firstFailed);
    } else if (settings.bisectBatchOnFunctionError && records.length > 1) {
      const half = Math.ceil(records.length / 2);
      await attempt(records.slice(0, half), retries, invokes, settings, hooks);
      await attempt(records.slice(half), retries, invokes, settings, hooks);
      return;
    }
    if (retries >= settings.maxRetryAttempts) {
      await hooks.deadLetter(records, "RetryAttemptsExhausted", invokes);
      await hooks.checkpoint((records.at(-1) as ShardRecord).sequenceNumber);
      return;
    }
    retries += 1;
  }
}
