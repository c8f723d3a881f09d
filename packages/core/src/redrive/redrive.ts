import { kinesisEvent, type RedriveEvent, type RedriveResponse } from "../aws/kinesis-event.js";
import { decodeBase64 } from "../common/bytes.js";
import type { Clock } from "../common/clock.js";
import type { StreamProducer } from "../pipeline/stream-producer.js";
import type { ShardRange, StreamReader, StreamRecord } from "../pipeline/stream-reader.js";
import {
  envelopeOf,
  type Quarantine,
  type QuarantineEntry,
  type QuarantineFilter,
  quarantinePosition,
} from "../telemetry/quarantine.js";
import type { RuleEnvelope } from "../telemetry/schema/rule-envelope.js";
import type { Verdict } from "../telemetry/validate.js";
import { type DeadLetter, type DeadLetterQueue, deadLetterPosition } from "./dead-letter-queue.js";
import type { FunctionInvoker } from "./function-invoker.js";
import { encodeRun, type RedriveRun } from "./redrive-run.js";
import { confirmationEvent, ruleReading, telemetryEnvelope } from "./rule-outputs.js";

/** What one round of a redrive did (`POST /api/redrive/...`); the CLI repeats rounds until one examines nothing. */
export interface RedriveRound {
  examined: number;
  /** Taken through again and removed from where they waited. */
  redriven: number;
  /** Left where they were, each with why (kept once: the run moves past them). */
  kept: Array<{ id: string; why: string }>;
  /**
   * Still waiting after this round (the kept ones included); for the quarantine, of what was
   * waiting when the run began (counted once per run).
   */
  remaining: number;
  /** The run's position, for its next round (`encodeRun`). */
  run: string;
}

/**
 * An on-failure record as the event sources and async invocations write it (docs/reference/contract.md §2):
 * a Kinesis batch by its range, a poison record with its bytes, or an async event with its payload.
 */
interface OnFailureRecord {
  requestContext?: { functionArn?: string };
  KinesisBatchInfo?: ShardRange;
  requestPayload?: unknown;
  condition?: string;
  functionName?: string;
  eventSourceARN?: string;
  sequenceNumber?: string;
  partitionKey?: string;
  dataBase64?: string;
}

/** An IoT rule's error-action message (AWS IoT's format, which the local rules engine writes too). */
interface RuleErrorMessage {
  topic?: string;
  clientId?: string;
  base64OriginalPayload?: string;
}

export interface RedrivePorts {
  deadLetters: DeadLetterQueue;
  ruleErrors: DeadLetterQueue;
  quarantine: Quarantine;
  streams: StreamReader;
  producer: StreamProducer;
  /** The raw stream's name, as the producer knows it. */
  rawStream: string;
  functions: FunctionInvoker;
  /** The confirm function's name, as the invoker knows it: the command-confirmation rule's action. */
  confirmFunction: string;
  /** The things whose rule errors this redrive takes (a stage's prefix; "" for every thing). */
  thingPrefix: string;
  /** The contract as the validate function runs it now (locally its code may have been swapped). */
  validate(envelope: unknown): Verdict;
  clock: Clock;
  /**
   * How long a round may go on starting items: the rest wait for the next round. On AWS a round is
   * one API request, which API Gateway ends at 30 s.
   */
  roundBudgetMs?: number;
}

const base64Of = (record: StreamRecord) => record.dataBase64;
const functionOf = (arn: string | undefined) => arn?.split(":function:")[1]?.split(":")[0];

/** Why a redriven batch did not go through: each record the function reported failed again, with its error. */
function failedOf(result: unknown): string | undefined {
  const { batchItemFailures = [], fleetlineErrors = [] } = (result ?? {}) as Partial<RedriveResponse>;
  if (batchItemFailures.length === 0) return undefined;
  const errors = fleetlineErrors.map((e) => `${e.itemIdentifier}: ${e.errorType}: ${e.errorMessage}`);
  return `the function reported ${batchItemFailures.length} failed record(s) again${errors.length ? ` (${errors.join("; ")})` : ""}`;
}

/** A Kinesis event marked as a redrive's: the function reports its failures instead of dead-lettering them. */
function redriveEvent(event: { Records: RedriveEvent["Records"] }): RedriveEvent {
  return { ...event, fleetlineRedrive: true };
}

/** Runs `step`: why it did not go through — what it said, or the message it failed with — or undefined. */
async function attempt(step: () => Promise<string | undefined>): Promise<string | undefined> {
  try {
    return await step();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * `fleetline redrive` (docs/guide/debugging.md): takes what the pipeline set aside through
 * it again, a round of at most `limit` at a time, on one machine and on a stage alike. Each item is
 * removed from where it waited only once it went through, so a redrive interrupted or run twice
 * repeats work but never loses it, and the functions' idempotence keeps it from storing a row twice.
 */
export class Redrive {
  constructor(private readonly ports: RedrivePorts) {}

  /** On-failure records: the batch re-read from its stream, a poison record or an async event, invoked again. */
  async deadLetters(limit: number, run?: RedriveRun): Promise<RedriveRound> {
    return this.drain(this.ports.deadLetters, limit, run, (message) =>
      this.redriveDeadLetter(message.body as OnFailureRecord),
    );
  }

  private async redriveDeadLetter(letter: OnFailureRecord): Promise<string | undefined> {
    const batch = letter.KinesisBatchInfo;
    if (batch) {
      const functionName = functionOf(letter.requestContext?.functionArn);
      if (!functionName || !(await this.ports.functions.has(functionName)))
        return `no function for ${letter.requestContext?.functionArn}`;
      const records = await this.ports.streams.read(batch);
      if (!Array.isArray(records)) return records.gone;
      return this.invoke(
        functionName,
        redriveEvent(
          kinesisEvent(
            records,
            { shardId: batch.shardId, streamArn: batch.streamArn, functionName },
            base64Of,
          ),
        ),
      );
    }
    if (
      letter.condition === "PoisonRecord" &&
      letter.functionName &&
      letter.dataBase64 &&
      letter.eventSourceARN
    ) {
      if (!(await this.ports.functions.has(letter.functionName)))
        return `no function named ${letter.functionName}`;
      const record = {
        sequenceNumber: letter.sequenceNumber as string,
        partitionKey: letter.partitionKey as string,
        dataBase64: letter.dataBase64,
        approximateArrivalTimestamp: this.ports.clock.now(),
      };
      const origin = {
        shardId: "shardId-redrive",
        streamArn: letter.eventSourceARN,
        functionName: letter.functionName,
      };
      return this.invoke(letter.functionName, redriveEvent(kinesisEvent([record], origin, base64Of)));
    }
    const functionName = functionOf(letter.requestContext?.functionArn);
    if (functionName && "requestPayload" in letter) {
      if (!(await this.ports.functions.has(functionName))) return `no function named ${functionName}`;
      return this.invoke(functionName, letter.requestPayload);
    }
    return "not an on-failure record of this pipeline";
  }

  private async invoke(functionName: string, event: unknown): Promise<string | undefined> {
    return failedOf(await this.ports.functions.invoke(functionName, event));
  }

  /**
   * Quarantined messages matching `filter`, judged again as the pipeline judges them now (with the
   * time they were first received): the valid ones go back on the raw stream with their original
   * message id and leave the quarantine; the rest stay, with their current reason.
   */
  async quarantined(filter: QuarantineFilter, limit: number, run?: RedriveRun): Promise<RedriveRound> {
    const { quarantine, producer } = this.ports;
    const { startedAt, after } = run ?? { startedAt: this.ports.clock.now() };
    // Counted once, when the run begins: on DynamoDB a count reads every matching entry.
    const waiting = run?.waiting ?? (await quarantine.count(filter));
    // Only what was received before the run began: a message quarantined again sorts where it did.
    const entries = (await quarantine.select({ ...filter, ...(after ? { after } : {}) }, limit)).filter(
      (entry) => entry.receivedAt <= startedAt,
    );
    const last = entries.at(-1);
    const kept: RedriveRound["kept"] = [];
    const valid: Array<{ entry: QuarantineEntry; envelope: RuleEnvelope }> = [];
    for (const entry of entries) {
      const envelope = envelopeOf(entry);
      const verdict = this.ports.validate(envelope);
      if (verdict.ok) valid.push({ entry, envelope });
      else kept.push({ id: entry.messageId, why: `${verdict.reason}: ${verdict.detail}` });
    }
    const encoder = new TextEncoder();
    const failures =
      valid.length === 0
        ? []
        : await producer.put(
            this.ports.rawStream,
            valid.map(({ envelope }) => ({
              partitionKey: envelope.thing as string,
              data: encoder.encode(JSON.stringify(envelope)),
            })),
          );
    const failed = new Set(failures.map((f) => f.index));
    for (const f of failures)
      kept.push({ id: valid[f.index]?.entry.messageId as string, why: `${f.errorCode}: ${f.errorMessage}` });
    const sent = valid.filter((_, i) => !failed.has(i)).map(({ entry }) => entry);
    await quarantine.remove(sent);
    const next: RedriveRun = {
      startedAt,
      waiting: Math.max(0, waiting - sent.length),
      ...(last ? { after: quarantinePosition(last) } : after ? { after } : {}),
    };
    return {
      examined: entries.length,
      redriven: sent.length,
      kept,
      remaining: next.waiting ?? 0,
      run: encodeRun(next),
    };
  }

  /**
   * The rules' error-action messages: each original message taken to where its rule would have
   * taken it — for the telemetry rule, its envelope (the publisher's client id, when the rule's
   * error action queued it, the queued message's id) onto the raw stream; for the
   * command-confirmation rule, its event to the confirm function — the same on every target.
   */
  async ruleErrors(limit: number, run?: RedriveRun): Promise<RedriveRound> {
    return this.drain(this.ports.ruleErrors, limit, run, (message) => this.redriveRuleError(message));
  }

  private async redriveRuleError(message: DeadLetter): Promise<string | undefined> {
    const { producer, rawStream, functions, confirmFunction, thingPrefix } = this.ports;
    const error = message.body as RuleErrorMessage;
    if (!error.topic || error.base64OriginalPayload === undefined)
      return "not an IoT rule error-action message";
    const payload = decodeBase64(error.base64OriginalPayload);
    if (payload === undefined) return "its base64OriginalPayload is not base64";
    const rule = ruleReading(error.topic);
    const thing = error.topic.split("/")[rule === "telemetry" ? 3 : 2] ?? "";
    if (rule === undefined || !thing.startsWith(thingPrefix))
      return `${error.topic} is not read by a rule of this pipeline's things`;
    if (rule === "confirmation") {
      if (!(await functions.has(confirmFunction))) return `no function named ${confirmFunction}`;
      await functions.invoke(confirmFunction, confirmationEvent({ topic: error.topic, payload }));
      return undefined;
    }
    const envelope = telemetryEnvelope({
      topic: error.topic,
      payload,
      clientId: error.clientId ?? "n/a",
      receivedAt: message.sentAt,
      messageId: message.messageId,
    });
    const [failure] = await producer.put(rawStream, [
      { partitionKey: thing, data: new TextEncoder().encode(JSON.stringify(envelope)) },
    ]);
    return failure ? `${failure.errorCode}: ${failure.errorMessage}` : undefined;
  }

  /**
   * The oldest `limit` messages of `queue` past the run's position and sent before it began, each
   * taken through by `redrive` in turn and deleted as soon as it went through, until the round's
   * time is spent. A message whose redrive fails or says why not is kept, with that why; one that
   * went through but could not be deleted is kept too — a later run takes it again, which the
   * functions' idempotence makes harmless. Either way the run moves past it.
   */
  private async drain(
    queue: DeadLetterQueue,
    limit: number,
    run: RedriveRun | undefined,
    redrive: (message: DeadLetter) => Promise<string | undefined>,
  ): Promise<RedriveRound> {
    const { clock, roundBudgetMs = Number.POSITIVE_INFINITY } = this.ports;
    const started = clock.now();
    const { startedAt, after } = run ?? { startedAt: started };
    const messages = (await queue.list(limit, after)).filter((message) => message.sentAt <= startedAt);
    const kept: RedriveRound["kept"] = [];
    let position = after;
    let examined = 0;
    let redriven = 0;
    for (const message of messages) {
      if (examined > 0 && clock.now() - started >= roundBudgetMs) break;
      examined += 1;
      position = deadLetterPosition(message);
      let why = await attempt(() => redrive(message));
      if (why === undefined) {
        const undeleted = await attempt(() => queue.delete(message.messageId).then(() => undefined));
        if (undeleted !== undefined)
          why = `went through, but stays queued (${undeleted}): a later redrive takes it again`;
      }
      if (why === undefined) redriven += 1;
      else kept.push({ id: message.messageId, why });
    }
    const next: RedriveRun = { startedAt, ...(position ? { after: position } : {}) };
    return { examined, redriven, kept, remaining: await queue.count(), run: encodeRun(next) };
  }
}
