import type { BatchHooks } from "./batch-processor.js";
import { processBatch } from "./batch-processor.js";
import type { ShardRecord } from "./kinesis-event.js";
import type { ShardReader } from "./shard-reader.js";

export interface PollSettings {
  batchSize: number;
  batchingWindowMs: number;
  pollIntervalMs: number;
  maxRetryAttempts: number;
  maxRecordAgeSeconds: number;
  bisectBatchOnFunctionError: boolean;
}

/** Records read ahead of the batch in flight, at most: enough to say how far behind a shard is. */
export const READ_AHEAD = 10_000;
/** Reads that fail in a row before the shard counts as unreachable. */
const READ_FAILURES_DOWN = 3;

/** Where one shard's polling stands, for /api/health. */
export interface ShardProgress {
  shardId: string;
  /** Records read and not yet done with (waiting and in flight); at most READ_AHEAD are read ahead. */
  recordsBehind: number;
  /** READ_AHEAD records wait: there may be more on the shard. */
  readAheadFull: boolean;
  /** Age of the oldest record not yet done with, 0 when caught up. */
  iteratorAgeMs: number;
  consecutiveReadFailures: number;
  unreachable: boolean;
  /** The batch in flight has failed at least once and is being retried. */
  retrying: boolean;
  lastReadError: string | undefined;
}

/**
 * Polls one shard for one event-source mapping: reads ahead, gathers batches (batch size, batching
 * window) and runs each to completion before the next (one batch in flight per shard).
 */
export class ShardPoller {
  private readonly pending: ShardRecord[] = [];
  private inFlight: readonly ShardRecord[] = [];
  private consecutiveReadFailures = 0;
  private lastReadError: string | undefined;
  private failedInvocations = 0;
  private readonly hooks: BatchHooks;

  constructor(
    private readonly settings: PollSettings,
    private readonly reader: ShardReader,
    hooks: BatchHooks,
    private readonly sleep: (ms: number) => Promise<void>,
    private readonly signal: AbortSignal,
    private readonly now: () => number,
    /** Told after each batch is done with (checkpointed), with its records. */
    private readonly onBatchDone: (records: number) => void = () => undefined,
  ) {
    this.hooks = {
      ...hooks,
      invoke: async (records) => {
        const outcome = await hooks.invoke(records);
        if (outcome.kind !== "success") this.failedInvocations += 1;
        return outcome;
      },
    };
  }

  get shardId(): string {
    return this.reader.shardId;
  }

  async run(): Promise<void> {
    let waitingSince: number | undefined;
    while (!this.signal.aborted) {
      if (this.pending.length < READ_AHEAD) {
        try {
          this.pending.push(...(await this.reader.read(Math.min(READ_AHEAD - this.pending.length, 10_000))));
          this.consecutiveReadFailures = 0;
        } catch (error) {
          // The stream is unreachable (restarting, its disk full): try again on the next tick.
          this.consecutiveReadFailures += 1;
          this.lastReadError = error instanceof Error ? error.message : String(error);
          if (this.pending.length === 0) {
            await this.sleep(this.settings.pollIntervalMs);
            continue;
          }
        }
      }
      if (this.pending.length === 0) {
        await this.sleep(this.settings.pollIntervalMs);
        continue;
      }
      waitingSince ??= this.now();
      const windowOpen = this.now() - waitingSince < this.settings.batchingWindowMs;
      if (this.pending.length < this.settings.batchSize && windowOpen) {
        await this.sleep(Math.min(this.settings.pollIntervalMs, this.settings.batchingWindowMs));
        continue;
      }
      waitingSince = undefined;
      this.inFlight = this.pending.splice(0, this.settings.batchSize);
      this.failedInvocations = 0;
      const finished = await processBatch(this.inFlight, this.settings, this.hooks);
      const records = this.inFlight.length;
      this.inFlight = [];
      if (finished) this.onBatchDone(records);
      // Stopping mid-batch: nothing past the last checkpoint counts as done; the next start reads it again.
      if (!finished) return;
    }
  }

  /** Records read and not yet done with: waiting, and in flight. */
  get recordsBehind(): number {
    return this.inFlight.length + this.pending.length;
  }

  progress(): ShardProgress {
    const oldest = this.inFlight[0] ?? this.pending[0];
    return {
      shardId: this.shardId,
      recordsBehind: this.recordsBehind,
      readAheadFull: this.pending.length >= READ_AHEAD,
      iteratorAgeMs: oldest ? Math.max(0, this.now() - oldest.approximateArrivalTimestamp) : 0,
      consecutiveReadFailures: this.consecutiveReadFailures,
      unreachable: this.consecutiveReadFailures >= READ_FAILURES_DOWN,
      retrying: this.inFlight.length > 0 && this.failedInvocations > 0,
      lastReadError: this.lastReadError,
    };
  }
}
