import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ResourceNotFoundException,
} from "@aws-sdk/client-kinesis";
import {
  type DeadLetterQueue,
  envelopeOf,
  type RuleEnvelope,
  STREAMS,
  type StreamProducer,
  type Verdict,
} from "@fleetline/core";
import type { KinesisStreamBatchResponse } from "aws-lambda";
import type { DuckDbQuarantine, QuarantineFilter } from "../adapters/duckdb-quarantine.js";
import { kinesisEvent, type ShardRecord } from "../event-source/kinesis-event.js";
import { LOCAL_REGION } from "../kinesis/kinesis-client.js";
import type { QueueMessage } from "../queues/local-queues.js";
import type { RulesEngine } from "../rules/rules-engine.js";
import type { LocalFunctions } from "./local-functions.js";

/** What one round of a redrive did (`POST /api/redrive/...`); the CLI repeats rounds until `remaining` is 0. */
export interface RedriveRound {
  examined: number;
  /** Taken through again and removed from where they waited. */
  redriven: number;
  /** Left where they were, each with why. */
  kept: Array<{ id: string; why: string }>;
  /** Still waiting after this round (the kept ones included). */
  remaining: number;
}

interface KinesisBatchInfo {
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  streamArn: string;
}

interface DeadLetter {
  requestContext?: { functionArn?: string };
  KinesisBatchInfo?: KinesisBatchInfo;
  requestPayload?: unknown;
  condition?: string;
  functionName?: string;
  eventSourceARN?: string;
  sequenceNumber?: string;
  partitionKey?: string;
  dataBase64?: string;
}

interface RuleError {
  ruleName?: string;
  topic?: string;
  clientId?: string;
  base64OriginalPayload?: string;
}

export interface RedriveOptions {
  deadLetters: DeadLetterQueue;
  ruleErrors: DeadLetterQueue;
  quarantine: DuckDbQuarantine;
  kinesis: KinesisClient;
  producer: StreamProducer;
  functions: LocalFunctions;
  engine: RulesEngine;
  /** The contract as the validate function runs it now (its code may have been swapped). */
  validate(envelope: unknown): Verdict;
}

const functionOf = (arn: string | undefined) => arn?.split(":function:")[1]?.split(":")[0];
const streamOf = (arn: string) => arn.split(":stream/")[1] as string;

/** Every record of a shard from `start` to `end`, or why they cannot be read again. */
async function readRange(kinesis: KinesisClient, batch: KinesisBatchInfo): Promise<ShardRecord[] | string> {
  const streamName = streamOf(batch.streamArn);
  let iterator: string | undefined;
  try {
    ({ ShardIterator: iterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: batch.shardId,
        ShardIteratorType: "AT_SEQUENCE_NUMBER",
        StartingSequenceNumber: batch.startSequenceNumber,
      }),
    ));
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return `${streamName} ${batch.shardId} no longer exists`;
    throw error;
  }
  const end = BigInt(batch.endSequenceNumber);
  const records: ShardRecord[] = [];
  while (iterator) {
    const result = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    for (const record of result.Records ?? []) {
      if (BigInt(record.SequenceNumber as string) > end) return records;
      records.push({
        sequenceNumber: record.SequenceNumber as string,
        partitionKey: record.PartitionKey as string,
        data: record.Data as Uint8Array,
        approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp as Date).getTime(),
      });
    }
    if ((result.Records ?? []).length === 0 && (result.MillisBehindLatest ?? 0) === 0) break;
    iterator = result.NextShardIterator;
  }
  if (records[0]?.sequenceNumber !== batch.startSequenceNumber)
    return `records ${batch.startSequenceNumber}…${batch.endSequenceNumber} of ${batch.shardId} are past the stream's retention`;
  return records;
}

function failedOf(result: unknown): string | undefined {
  const failures = (result as KinesisStreamBatchResponse | undefined)?.batchItemFailures ?? [];
  return failures.length > 0 ? `the function reported ${failures.length} failed record(s) again` : undefined;
}

/**
 * `fleetline redrive` (README, "Debug your functions"): takes what the pipeline set aside through
 * it again, a round of at most `limit` at a time. Each item is removed from where it waited only
 * once it went through, so a redrive interrupted or run twice repeats work but never loses it, and
 * the functions' idempotence keeps it from storing a row twice.
 */
export class Redrive {
  constructor(private readonly options: RedriveOptions) {}

  /** On-failure records: the batch re-read from its stream, a poison record or an async event, invoked again. */
  async deadLetters(limit: number, exclude: ReadonlySet<string> = new Set()): Promise<RedriveRound> {
    const { deadLetters } = this.options;
    const messages = await this.next(deadLetters, limit, exclude);
    const round = await this.each(messages, (message) => this.redriveDeadLetter(message.body as DeadLetter));
    for (const id of round.done) await deadLetters.delete(id);
    return { ...round.summary, remaining: await deadLetters.count() };
  }

  private async redriveDeadLetter(letter: DeadLetter): Promise<string | undefined> {
    const { functions, kinesis } = this.options;
    if (letter.KinesisBatchInfo) {
      const functionName = functionOf(letter.requestContext?.functionArn);
      if (!functionName || !functions.names().includes(functionName))
        return `no function for ${letter.requestContext?.functionArn}`;
      const records = await readRange(kinesis, letter.KinesisBatchInfo);
      if (typeof records === "string") return records;
      const origin = {
        shardId: letter.KinesisBatchInfo.shardId,
        streamArn: letter.KinesisBatchInfo.streamArn,
        region: LOCAL_REGION,
        functionName,
      };
      return this.invoke(functionName, kinesisEvent(records, origin));
    }
    if (
      letter.condition === "PoisonRecord" &&
      letter.functionName &&
      letter.dataBase64 &&
      letter.eventSourceARN
    ) {
      const record: ShardRecord = {
        sequenceNumber: letter.sequenceNumber as string,
        partitionKey: letter.partitionKey as string,
        data: Buffer.from(letter.dataBase64, "base64"),
        approximateArrivalTimestamp: Date.now(),
      };
      const shardId = "shardId-redrive";
      const origin = {
        shardId,
        streamArn: letter.eventSourceARN,
        region: LOCAL_REGION,
        functionName: letter.functionName,
      };
      return this.invoke(letter.functionName, kinesisEvent([record], origin));
    }
    const functionName = functionOf(letter.requestContext?.functionArn);
    if (functionName && "requestPayload" in letter) return this.invoke(functionName, letter.requestPayload);
    return "not an on-failure record this runtime wrote";
  }

  private async invoke(functionName: string, event: unknown): Promise<string | undefined> {
    const { record, result } = this.options.functions.run(functionName, event, "redrive");
    try {
      return failedOf(await result);
    } catch (error) {
      return `${record.id}: ${(error as Error).message}`;
    }
  }

  /**
   * Quarantined messages matching `filter`, judged again as the pipeline judges them now (with the
   * time they were first received): the valid ones go back on the raw stream with their original
   * message id and leave the quarantine; the rest stay, with their current reason.
   */
  async quarantined(
    filter: QuarantineFilter,
    limit: number,
    exclude: ReadonlySet<string> = new Set(),
  ): Promise<RedriveRound> {
    const { quarantine, producer } = this.options;
    const entries = (await quarantine.select(filter, limit + exclude.size))
      .filter((e) => !exclude.has(e.messageId))
      .slice(0, limit);
    const kept: RedriveRound["kept"] = [];
    const valid: Array<{ messageId: string; envelope: RuleEnvelope }> = [];
    for (const entry of entries) {
      const envelope = envelopeOf(entry);
      const verdict = this.options.validate(envelope);
      if (verdict.ok) valid.push({ messageId: entry.messageId, envelope });
      else kept.push({ id: entry.messageId, why: `${verdict.reason}: ${verdict.detail}` });
    }
    const encoder = new TextEncoder();
    const failures =
      valid.length === 0
        ? []
        : await producer.put(
            STREAMS.raw,
            valid.map(({ envelope }) => ({
              partitionKey: envelope.thing as string,
              data: encoder.encode(JSON.stringify(envelope)),
            })),
          );
    const failed = new Set(failures.map((f) => f.index));
    for (const f of failures)
      kept.push({ id: valid[f.index]?.messageId as string, why: `${f.errorCode}: ${f.errorMessage}` });
    const sent = valid.filter((_, i) => !failed.has(i));
    await quarantine.remove(sent.map((entry) => entry.messageId));
    return {
      examined: entries.length,
      redriven: sent.length,
      kept,
      remaining: await quarantine.count(filter),
    };
  }

  /** The rule's error-action messages: each original message through its rule again. */
  async ruleErrors(limit: number, exclude: ReadonlySet<string> = new Set()): Promise<RedriveRound> {
    const { ruleErrors, engine } = this.options;
    const messages = await this.next(ruleErrors, limit, exclude);
    const round = await this.each(messages, async (message) => {
      const error = message.body as RuleError;
      if (!error.ruleName || !error.topic || error.base64OriginalPayload === undefined)
        return "not an IoT rule error-action message";
      await engine.resubmit(
        {
          topic: error.topic,
          payload: Buffer.from(error.base64OriginalPayload, "base64"),
          clientId: error.clientId ?? "n/a",
        },
        error.ruleName,
      );
      return undefined;
    });
    for (const id of round.done) await ruleErrors.delete(id);
    return { ...round.summary, remaining: await ruleErrors.count() };
  }

  /** The oldest `limit` messages but those a previous round kept (`exclude`). */
  private async next(
    queue: DeadLetterQueue,
    limit: number,
    exclude: ReadonlySet<string>,
  ): Promise<QueueMessage[]> {
    const listed = (await queue.list(limit + exclude.size)) as QueueMessage[];
    return listed.filter((message) => !exclude.has(message.messageId)).slice(0, limit);
  }

  private async each(
    messages: readonly QueueMessage[],
    redrive: (message: QueueMessage) => Promise<string | undefined>,
  ): Promise<{ done: string[]; summary: Omit<RedriveRound, "remaining"> }> {
    const done: string[] = [];
    const kept: RedriveRound["kept"] = [];
    for (const message of messages) {
      let why: string | undefined;
      try {
        why = await redrive(message);
      } catch (error) {
        why = (error as Error).message;
      }
      if (why === undefined) done.push(message.messageId);
      else kept.push({ id: message.messageId, why });
    }
    return { done, summary: { examined: messages.length, redriven: done.length, kept } };
  }
}
