import { type KinesisClient, ListShardsCommand } from "@aws-sdk/client-kinesis";
import { EVENT_SOURCE, QUEUES } from "@fleetline/core";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { LOCAL_REGION, streamArn } from "../kinesis/kinesis-client.js";
import type { LocalQueues } from "../queues/local-queues.js";
import {
  type BatchSettings,
  type FailureCondition,
  type InvokeOutcome,
  outcomeOf,
  processBatch,
} from "./batch-processor.js";
import type { CheckpointStore } from "./checkpoint-store.js";
import { kinesisEvent, lambdaContext, type ShardRecord } from "./kinesis-event.js";
import { ShardReader } from "./shard-reader.js";

/** A Kinesis-triggered Lambda handler, exactly as deployed. */
export type KinesisHandler = (
  event: KinesisStreamEvent,
  context: Context,
) => Promise<KinesisStreamBatchResponse | undefined> | Promise<void>;

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
  /** An invocation that runs longer fails, as a Lambda timeout does. */
  timeoutMs?: number;
}

type ResolvedMapping = Required<EventSourceMapping>;

export interface MappingStats {
  invocations: number;
  records: number;
  functionErrors: number;
  deadLettered: number;
}

function resolve(mapping: EventSourceMapping): ResolvedMapping {
  return {
    batchSize: EVENT_SOURCE.batchSize,
    batchingWindowMs: EVENT_SOURCE.localBatchingWindowSeconds * 1000,
    pollIntervalMs: EVENT_SOURCE.localPollIntervalMs,
    maxRetryAttempts: EVENT_SOURCE.maxRetryAttempts,
    maxRecordAgeSeconds: EVENT_SOURCE.maxRecordAgeSeconds,
    bisectBatchOnFunctionError: EVENT_SOURCE.bisectBatchOnFunctionError,
    reportBatchItemFailures: EVENT_SOURCE.reportBatchItemFailures,
    startingPosition: EVENT_SOURCE.startingPosition,
    onFailureQueue: QUEUES.deadLetter,
    timeoutMs: 60_000,
    ...mapping,
  };
}

export interface EmulatorOptions {
  kinesis: KinesisClient;
  checkpoints: CheckpointStore;
  queues: LocalQueues;
  now?: () => number;
}

/**
 * The local stand-in for Lambda's Kinesis event-source mappings: one poller per shard, one batch
 * in flight per shard, with the retry, bisect, partial-failure, max-age and on-failure semantics
 * of SPEC §2. Checkpoints persist, so a restart resumes after the last finished record.
 */
export class EventSourceEmulator {
  readonly stats = new Map<string, MappingStats>();
  private readonly controller = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly now: () => number;

  constructor(private readonly options: EmulatorOptions) {
    this.now = options.now ?? Date.now;
  }

  async add(input: EventSourceMapping): Promise<void> {
    const mapping = resolve(input);
    this.stats.set(mapping.functionName, { invocations: 0, records: 0, functionErrors: 0, deadLettered: 0 });
    const { Shards = [] } = await this.options.kinesis.send(
      new ListShardsCommand({ StreamName: mapping.streamName }),
    );
    for (const shard of Shards) {
      const shardId = shard.ShardId as string;
      const after = await this.options.checkpoints.get(mapping.functionName, shardId);
      const reader = new ShardReader(
        this.options.kinesis,
        mapping.streamName,
        shardId,
        after,
        mapping.startingPosition,
      );
      this.loops.push(this.poll(mapping, reader));
    }
  }

  /** Stops polling; resolves once every in-flight batch has finished and checkpointed. */
  async stop(): Promise<void> {
    this.controller.abort();
    await Promise.allSettled(this.loops);
  }

  private sleep(ms: number): Promise<void> {
    const signal = this.controller.signal;
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done);
    });
  }

  private async poll(mapping: ResolvedMapping, reader: ShardReader): Promise<void> {
    const pending: ShardRecord[] = [];
    let waitingSince: number | undefined;
    while (!this.controller.signal.aborted) {
      try {
        if (pending.length < mapping.batchSize)
          pending.push(...(await reader.read(Math.max(mapping.batchSize, 1000))));
      } catch {
        // The stream is unreachable (shutting down, restarting): try again on the next tick.
        await this.sleep(mapping.pollIntervalMs);
        continue;
      }
      if (pending.length === 0) {
        await this.sleep(mapping.pollIntervalMs);
        continue;
      }
      waitingSince ??= this.now();
      const windowOpen = this.now() - waitingSince < mapping.batchingWindowMs;
      if (pending.length < mapping.batchSize && windowOpen) {
        await this.sleep(Math.min(mapping.pollIntervalMs, mapping.batchingWindowMs));
        continue;
      }
      waitingSince = undefined;
      const batch = pending.splice(0, mapping.batchSize);
      await processBatch(batch, mapping as BatchSettings, this.hooks(mapping, reader.shardId));
    }
  }

  private hooks(mapping: ResolvedMapping, shardId: string) {
    const stats = this.stats.get(mapping.functionName) as MappingStats;
    const origin = {
      shardId,
      streamArn: streamArn(mapping.streamName),
      region: LOCAL_REGION,
      functionName: mapping.functionName,
    };
    return {
      now: this.now,
      invoke: async (records: readonly ShardRecord[]): Promise<InvokeOutcome> => {
        stats.invocations += 1;
        stats.records += records.length;
        const outcome = await this.invoke(mapping, records, origin);
        if (outcome.kind === "error") stats.functionErrors += 1;
        return outcome;
      },
      checkpoint: (sequenceNumber: string) =>
        this.options.checkpoints.set(mapping.functionName, shardId, sequenceNumber),
      deadLetter: async (
        records: readonly ShardRecord[],
        condition: FailureCondition,
        invokeCount: number,
      ) => {
        stats.deadLettered += records.length;
        const first = records[0] as ShardRecord;
        const last = records.at(-1) as ShardRecord;
        // The AWS on-failure destination record for a Kinesis event source.
        await this.options.queues.send(mapping.onFailureQueue, {
          requestContext: {
            requestId: crypto.randomUUID(),
            functionArn: `arn:aws:lambda:${LOCAL_REGION}:000000000000:function:${mapping.functionName}`,
            condition,
            approximateInvokeCount: invokeCount,
          },
          responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
          version: "1.0",
          timestamp: new Date(this.now()).toISOString(),
          KinesisBatchInfo: {
            shardId,
            startSequenceNumber: first.sequenceNumber,
            endSequenceNumber: last.sequenceNumber,
            approximateArrivalOfFirstRecord: new Date(first.approximateArrivalTimestamp).toISOString(),
            approximateArrivalOfLastRecord: new Date(last.approximateArrivalTimestamp).toISOString(),
            batchSize: records.length,
            streamArn: origin.streamArn,
          },
        });
      },
    };
  }

  private async invoke(
    mapping: ResolvedMapping,
    records: readonly ShardRecord[],
    origin: Parameters<typeof kinesisEvent>[1],
  ): Promise<InvokeOutcome> {
    const deadline = Date.now() + mapping.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Task timed out after ${mapping.timeoutMs} ms`)),
        mapping.timeoutMs,
      );
    });
    try {
      const event = kinesisEvent(records, origin);
      const result = await Promise.race([
        mapping.handler(event, lambdaContext(mapping.functionName, origin.region, deadline)),
        timeout,
      ]);
      return outcomeOf(result, records, mapping.reportBatchItemFailures);
    } catch (error) {
      return { kind: "error", error };
    } finally {
      clearTimeout(timer);
    }
  }
}
