import { type KinesisClient, PutRecordsCommand, type PutRecordsResultEntry } from "@aws-sdk/client-kinesis";
import type { PutFailure, StreamEntry, StreamProducer } from "@fleetline/core/pipeline";
import {
  kinesisEntryProblem,
  putRecordsRequests,
  requestErrorScope,
  retryableEntryError,
} from "./kinesis-limits.js";

export interface ProducerOptions {
  /** Tries per entry, the first included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

interface Pending {
  /** Indexes of this key's entries not yet written, in order. */
  queue: number[];
  /** Failed tries of the entry at the head of the queue. */
  attempts: number;
  /** Sent alone: a request holding it was refused as a whole. */
  alone: boolean;
}

type Outcome =
  | { kind: "written" }
  | { kind: "retry"; errorCode: string; errorMessage: string }
  | { kind: "failed"; errorCode: string; errorMessage: string }
  | { kind: "isolate" };

/**
 * The StreamProducer on the Kinesis API (AWS, or the local Kinesis stand-in through the same SDK).
 *
 * PutRecords can fail some entries and accept the rest, so a key's later entry could be accepted
 * ahead of an earlier one that failed. To keep each key in order, entries go out in rounds with
 * at most one entry per partition key per request: the next entry of a key is sent only once the
 * one before it is written. Failed entries are retried with jittered exponential backoff. An
 * entry Kinesis can never take (too large, a partition key out of bounds) fails alone, without
 * being sent, and does not hold back its neighbours; a request refused as a whole for what it
 * contains is split so the entry at fault fails alone.
 */
export class KinesisStreamProducer implements StreamProducer {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    private readonly client: KinesisClient,
    options: ProducerOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 50;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  async put(stream: string, entries: readonly StreamEntry[]): Promise<PutFailure[]> {
    const failures: PutFailure[] = [];
    const keys = new Map<string, Pending>();
    entries.forEach((entry, index) => {
      const problem = kinesisEntryProblem(entry);
      if (problem) {
        failures.push({ index, errorCode: "ValidationException", errorMessage: problem, retryable: false });
        return;
      }
      const pending = keys.get(entry.partitionKey) ?? { queue: [], attempts: 0, alone: false };
      pending.queue.push(index);
      keys.set(entry.partitionKey, pending);
    });

    while (keys.size > 0) {
      const round = [...keys.values()].map((pending) => pending.queue[0] as number).sort((a, b) => a - b);
      const alone = round.filter((index) => keys.get(entries[index]?.partitionKey as string)?.alone);
      const together = round.filter((index) => !alone.includes(index));
      const requests = [...putRecordsRequests(together, entries), ...alone.map((index) => [index])];
      const outcomes = new Map<number, Outcome>();
      for (const request of requests) {
        for (const [index, outcome] of await this.send(stream, entries, request))
          outcomes.set(index, outcome);
      }

      let retrying = 0;
      for (const [index, outcome] of outcomes) {
        const key = (entries[index] as StreamEntry).partitionKey;
        const pending = keys.get(key) as Pending;
        if (outcome.kind === "written") {
          pending.queue.shift();
          pending.attempts = 0;
          pending.alone = false;
        } else if (outcome.kind === "isolate") {
          pending.alone = true;
        } else if (outcome.kind === "failed") {
          // The stream can never take it: it leaves the key's order, the rest of the key goes on.
          failures.push({ index, ...errorOf(outcome), retryable: false });
          pending.queue.shift();
          pending.attempts = 0;
          pending.alone = false;
        } else if (++pending.attempts >= this.maxAttempts) {
          // Out of tries: the key's later entries must not go ahead of it, so they fail with it.
          failures.push({ index, ...errorOf(outcome), retryable: true });
          for (const later of pending.queue.slice(1)) {
            failures.push({
              index: later,
              errorCode: outcome.errorCode,
              errorMessage: `not sent: an earlier record of partition key ${key} failed (${outcome.errorMessage})`,
              retryable: true,
            });
          }
          pending.queue = [];
        } else {
          retrying = Math.max(retrying, pending.attempts);
        }
        if (pending.queue.length === 0) keys.delete(key);
      }
      if (retrying > 0) await this.sleep(this.baseDelayMs * 2 ** (retrying - 1) * (0.5 + this.random()));
    }
    return failures.sort((a, b) => a.index - b.index);
  }

  /** One PutRecords call; each entry's outcome. */
  private async send(
    stream: string,
    entries: readonly StreamEntry[],
    request: readonly number[],
  ): Promise<Array<[number, Outcome]>> {
    try {
      const result = await this.client.send(
        new PutRecordsCommand({
          StreamName: stream,
          Records: request.map((index) => {
            const entry = entries[index] as StreamEntry;
            return { PartitionKey: entry.partitionKey, Data: entry.data };
          }),
        }),
      );
      return request.map((index, position) => [index, entryOutcome(result.Records?.[position])]);
    } catch (error) {
      const errorCode = error instanceof Error ? error.name : "Error";
      const errorMessage = error instanceof Error ? error.message : String(error);
      const scope = requestErrorScope(error);
      const outcome: Outcome =
        scope === "transient"
          ? { kind: "retry", errorCode, errorMessage }
          : scope === "content" && request.length > 1
            ? { kind: "isolate" }
            : { kind: "failed", errorCode, errorMessage };
      return request.map((index) => [index, outcome]);
    }
  }
}

function entryOutcome(record: PutRecordsResultEntry | undefined): Outcome {
  if (!record)
    return { kind: "retry", errorCode: "InternalFailure", errorMessage: "no result for the record" };
  if (!record.ErrorCode) return { kind: "written" };
  const error = { errorCode: record.ErrorCode, errorMessage: record.ErrorMessage ?? "" };
  return retryableEntryError(record.ErrorCode) ? { kind: "retry", ...error } : { kind: "failed", ...error };
}

function errorOf(outcome: { errorCode: string; errorMessage: string }) {
  return { errorCode: outcome.errorCode, errorMessage: outcome.errorMessage };
}
