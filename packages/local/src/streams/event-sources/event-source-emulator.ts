import { type KinesisClient, ListShardsCommand } from "@aws-sdk/client-kinesis";
import { type ComponentHealth, EVENT_SOURCE, FUNCTION_TIMEOUT_S, QUEUES } from "@fleetline/core/pipeline";
import { abortableSleep } from "../../lib/abortable-sleep.js";
import { LOCAL_REGION, streamArn } from "../kinesis/kinesis-client.js";
import type { LocalQueues } from "../queues/local-queues.js";
import { type BatchHooks, type FailureCondition, type InvokeOutcome, outcomeOf } from "./batch-processor.js";
import type { CheckpointStore } from "./checkpoint-store.js";
import { mappingHealth } from "./event-source-health.js";
import { type KinesisHandler, ShardInvoker } from "./invoker.js";
import { kinesisEvent, lambdaContext, type ShardRecord } from "./kinesis-event.js";
import { onFailureRecord } from "./on-failure-record.js";
import { ShardPoller } from "./shard-poller.js";
import { ShardReader } from "./shard-reader.js";

export type { KinesisHandler } from "./invoker.js";

export interface EventSourceMapping {
  functionName: string;
  streamName: string;
  handler: KinesisHandler;
  batchSize?: number;
  batchingWindowMs?: number;
  pollIntervalMs?: number;
  maxRetryAttempts?: number;
  maxRecordAgeSeconds?: number;
  bisectBatchOnFunctionError?: boolean;
  reportBatchItemFailures?: boolean;
  startingPosition?: "TRIM_HORIZON" | "LATEST";
  /** The on-failure destination queue. */
  onFailureQueue?: string;
  /** An invocation that runs longer fails, as a Lambda timeout does (the stacks give 60 s). */
  timeoutMs?: number;
  /** Wait before the first retry of a failed batch; it doubles for each retry, up to 10 s. */
  retryDelayMs?: number;
}

type ResolvedMapping = Required<EventSourceMapping>;

export interface MappingStats {
  invocations: number;
  records: number;
  functionErrors: number;
  deadLettered: number;
  lastError?: { at: number; message: string };
}

/** Longest wait between retries of a failed batch, and of a checkpoint or dead letter that failed. */
const MAX_RETRY_DELAY_MS = 10_000;

/** A mapping with every setting it leaves out (or gives as undefined) taken from core's `EVENT_SOURCE`. */
function resolve(mapping: EventSourceMapping): ResolvedMapping {
  return {
    functionName: mapping.functionName,
    streamName: mapping.streamName,
    handler: mapping.handler,
    batchSize: mapping.batchSize ?? EVENT_SOURCE.batchSize,
    batchingWindowMs: mapping.batchingWindowMs ?? EVENT_SOURCE.localBatchingWindowSeconds * 1000,
    pollIntervalMs: mapping.pollIntervalMs ?? EVENT_SOURCE.localPollIntervalMs,
    maxRetryAttempts: mapping.maxRetryAttempts ?? EVENT_SOURCE.maxRetryAttempts,
    maxRecordAgeSeconds: mapping.maxRecordAgeSeconds ?? EVENT_SOURCE.maxRecordAgeSeconds,
    bisectBatchOnFunctionError: mapping.bisectBatchOnFunctionError ?? EVENT_SOURCE.bisectBatchOnFunctionError,
    reportBatchItemFailures: mapping.reportBatchItemFailures ?? EVENT_SOURCE.reportBatchItemFailures,
    startingPosition: mapping.startingPosition ?? EVENT_SOURCE.startingPosition,
    onFailureQueue: mapping.onFailureQueue ?? QUEUES.deadLetter,
    timeoutMs: mapping.timeoutMs ?? FUNCTION_TIMEOUT_S.stream * 1000,
    retryDelayMs: mapping.retryDelayMs ?? 1_000,
  };
}

export interface EmulatorOptions {
  kinesis: KinesisClient;
  checkpoints: CheckpointStore;
  queues: LocalQueues;
  now?: () => number;
  /** Told each time a shard moved on (a batch done and checkpointed): the backlog may have shrunk. */
  onProgress?: () => void;
  /** The records a stream took since start, from every producer: what the backlog is counted from. */
  recordsPut?: (stream: string) => number;
  /** Told about every failure the emulator retries (a batch, a checkpoint, a dead letter). */
  onError?: (detail: { functionName: string; shardId: string; what: string; error: unknown }) => void;
}

interface Mapping {
  settings: ResolvedMapping;
  stats: MappingStats;
  pollers: ShardPoller[];
  invokers: ShardInvoker[];
  /** Records done with (its batches checkpointed) since start, over its shards. */
  done: number;
  /** Checkpoint or dead-letter writes failing now: the shards cannot move on. */
  stuck: Map<string, string>;
  crashed?: string;
}

/**
 * The local stand-in for Lambda's Kinesis event-source mappings: one poller per shard, one batch
 * in flight per shard, with the retry, bisect, partial-failure, max-age and on-failure semantics
 * of the stacks' mappings. Checkpoints persist, so a restart resumes after the last finished
 * record. A failed batch is retried after a backoff; a checkpoint or on-failure record that cannot
 * be written is retried until it can (the shard waits meanwhile): nothing is skipped because the
 * state store failed.
 */
export class EventSourceEmulator {
  readonly stats = new Map<string, MappingStats>();
  private readonly mappings = new Map<string, Mapping>();
  private readonly controller = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly now: () => number;
  /**
   * When this run of the runtime began. Lambda's event source runs all the time; this one only
   * while the runtime does, so a record's age for MaximumRecordAge counts from its arrival or from
   * here, whichever is later: a backlog acknowledged before a laptop was closed is processed when
   * it opens again, not dead-lettered for the hours it was shut (docs/guide/reliability.md, "Side by side with AWS").
   */
  private readonly runningSince: number;

  constructor(private readonly options: EmulatorOptions) {
    this.now = options.now ?? Date.now;
    this.runningSince = this.now();
  }

  async add(input: EventSourceMapping): Promise<void> {
    const settings = resolve(input);
    const stats: MappingStats = { invocations: 0, records: 0, functionErrors: 0, deadLettered: 0 };
    const mapping: Mapping = { settings, stats, pollers: [], invokers: [], stuck: new Map(), done: 0 };
    this.stats.set(settings.functionName, stats);
    this.mappings.set(settings.functionName, mapping);
    const { Shards = [] } = await this.options.kinesis.send(
      new ListShardsCommand({ StreamName: settings.streamName }),
    );
    for (const shard of Shards) {
      const shardId = shard.ShardId as string;
      const after = await this.options.checkpoints.get(settings.functionName, shardId);
      const reader = new ShardReader(
        this.options.kinesis,
        settings.streamName,
        shardId,
        after,
        settings.startingPosition,
      );
      const invoker = new ShardInvoker(settings.handler, settings.timeoutMs, this.now);
      const poller = new ShardPoller(
        settings,
        reader,
        this.hooks(mapping, shardId, invoker),
        (ms) => this.sleep(ms),
        this.controller.signal,
        this.now,
        (records) => {
          mapping.done += records;
          this.options.onProgress?.();
        },
      );
      mapping.pollers.push(poller);
      mapping.invokers.push(invoker);
      this.loops.push(
        poller.run().catch((error: unknown) => {
          // A fault in the emulator itself: the shard stops, and /api/health says so.
          mapping.crashed = error instanceof Error ? error.message : String(error);
          this.options.onError?.({ functionName: settings.functionName, shardId, what: "polling", error });
        }),
      );
    }
  }

  /** Stops polling; resolves once every in-flight batch has finished or given up at a checkpoint. */
  async stop(): Promise<void> {
    this.controller.abort();
    await Promise.allSettled(this.loops);
  }

  /**
   * How far the pipeline is behind: the records of the mapping furthest behind its stream — put on
   * the stream since start and not yet done with — or at least those it has read and not yet done
   * with. (A backlog left from before a restart is not counted.)
   */
  recordsBehind(): number {
    let most = 0;
    for (const mapping of this.mappings.values()) {
      let read = 0;
      for (const poller of mapping.pollers) read += poller.recordsBehind;
      const put = this.options.recordsPut?.(mapping.settings.streamName) ?? 0;
      most = Math.max(most, read, put - mapping.done);
    }
    return most;
  }

  /** Each mapping's health: iterator age, records behind, retries and failures. */
  health(): ComponentHealth[] {
    return [...this.mappings.values()].map((mapping) =>
      mappingHealth({
        functionName: mapping.settings.functionName,
        streamName: mapping.settings.streamName,
        stats: mapping.stats,
        shards: mapping.pollers.map((poller) => poller.progress()),
        waitingForAbandoned: mapping.invokers.flatMap((invoker) =>
          invoker.waitingSince === undefined ? [] : [this.now() - invoker.waitingSince],
        ),
        stuck: [...mapping.stuck.values()],
        ...(mapping.crashed ? { crashed: mapping.crashed } : {}),
        now: this.now(),
      }),
    );
  }

  private sleep(ms: number): Promise<void> {
    return abortableSleep(ms, this.controller.signal);
  }

  /**
   * Runs a write the shard cannot move on without (a checkpoint, an on-failure record) until it
   * succeeds; false when the emulator stops first.
   */
  private async untilWritten(
    mapping: Mapping,
    shardId: string,
    what: string,
    write: () => Promise<unknown>,
  ): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await write();
        mapping.stuck.delete(shardId);
        return true;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        mapping.stuck.set(shardId, `${shardId}: the ${what} cannot be written: ${message}`);
        this.options.onError?.({ functionName: mapping.settings.functionName, shardId, what, error });
        if (this.controller.signal.aborted) return false;
        await this.sleep(Math.min(100 * 2 ** attempt, MAX_RETRY_DELAY_MS));
        if (this.controller.signal.aborted) return false;
      }
    }
  }

  private hooks(mapping: Mapping, shardId: string, invoker: ShardInvoker): BatchHooks {
    const { settings, stats } = mapping;
    const origin = {
      shardId,
      streamArn: streamArn(settings.streamName),
      region: LOCAL_REGION,
      functionName: settings.functionName,
    };
    let lastError: { errorType: string; errorMessage: string } | undefined;
    return {
      ageOf: (record) => this.now() - Math.max(record.approximateArrivalTimestamp, this.runningSince),
      invoke: async (records: readonly ShardRecord[]): Promise<InvokeOutcome> => {
        stats.invocations += 1;
        stats.records += records.length;
        let outcome: InvokeOutcome;
        try {
          const result = await invoker.invoke(kinesisEvent(records, origin), (deadline) =>
            lambdaContext(settings.functionName, origin.region, deadline),
          );
          outcome = outcomeOf(result, records, settings.reportBatchItemFailures);
        } catch (error) {
          outcome = { kind: "error", error };
        }
        if (outcome.kind === "partial") {
          lastError = {
            errorType: "BatchItemFailures",
            errorMessage: `the function reported failed records: retried from record ${outcome.firstFailed + 1} of ${records.length}`,
          };
          stats.lastError = { at: this.now(), message: lastError.errorMessage };
        }
        if (outcome.kind === "error") {
          stats.functionErrors += 1;
          const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
          lastError = {
            errorType: outcome.error instanceof Error ? outcome.error.name : "Error",
            errorMessage: message,
          };
          stats.lastError = { at: this.now(), message };
          this.options.onError?.({
            functionName: settings.functionName,
            shardId,
            what: "batch",
            error: outcome.error,
          });
        }
        return outcome;
      },
      checkpoint: (sequenceNumber: string) =>
        this.untilWritten(mapping, shardId, "checkpoint", () =>
          this.options.checkpoints.set(settings.functionName, shardId, sequenceNumber),
        ),
      deadLetter: async (
        records: readonly ShardRecord[],
        condition: FailureCondition,
        invokeCount: number,
      ) => {
        const body = onFailureRecord({
          ...origin,
          records,
          condition,
          invokeCount,
          now: this.now(),
          ...(condition === "RetryAttemptsExhausted" && lastError ? { lastError } : {}),
        });
        const sent = await this.untilWritten(mapping, shardId, "on-failure record", () =>
          this.options.queues.send(settings.onFailureQueue, body),
        );
        if (sent) stats.deadLettered += records.length;
        return sent;
      },
      beforeRetry: async (retry: number) => {
        await this.sleep(Math.min(settings.retryDelayMs * 2 ** (retry - 1), MAX_RETRY_DELAY_MS));
        return !this.controller.signal.aborted;
      },
    };
  }
}
