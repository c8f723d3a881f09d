import { type KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import type { RuleAction } from "@fleetline/core";
import type { LocalQueues } from "../queues/local-queues.js";
import type { MessageSource } from "./message-source.js";
import type { RuleOutput } from "./sql-evaluate.js";
import type { MessageContext } from "./sql-functions.js";
import { compileTemplate } from "./substitution.js";

export interface ActionTargets {
  kinesis: KinesisClient;
  queues: LocalQueues;
  source: MessageSource;
}

export interface ActionItem {
  output: RuleOutput;
  context: MessageContext;
}

export interface CompiledAction {
  /** AWS's name for the action in error-action messages, e.g. `KinesisAction`. */
  type: "KinesisAction" | "RepublishAction" | "SqsAction";
  resource: string;
  /** Runs the action for consecutive messages in order; returns each item's error, if any. */
  run(items: readonly ActionItem[]): Promise<Array<Error | undefined>>;
}

function message(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** One item at a time, in order: for actions with no batch API. */
function eachInTurn(run: (item: ActionItem) => Promise<void>) {
  return async (items: readonly ActionItem[]) => {
    const errors: Array<Error | undefined> = [];
    for (const item of items) errors.push(await run(item).then(() => undefined, message));
    return errors;
  };
}

/** Kinesis PutRecords limit. */
const MAX_PUT_RECORDS = 500;

function bytesOf(output: RuleOutput): Uint8Array {
  return output.kind === "raw" ? output.bytes : new TextEncoder().encode(JSON.stringify(output.value));
}

/** Builds an action once, at rule load; substitution templates are parsed here, so bad ones fail the load. */
export function compileAction(action: RuleAction, targets: ActionTargets): CompiledAction {
  if ("kinesis" in action) {
    const { streamName, partitionKey } = action.kinesis;
    const key = compileTemplate(partitionKey);
    return {
      type: "KinesisAction",
      resource: streamName,
      // Messages queued for the same topic go out in one PutRecords, in order: the stream ends up
      // exactly as with one PutRecord each, at a fraction of the round trips.
      run: async (items) => {
        const errors: Array<Error | undefined> = [];
        for (let start = 0; start < items.length; start += MAX_PUT_RECORDS) {
          const chunk = items.slice(start, start + MAX_PUT_RECORDS);
          try {
            const result = await targets.kinesis.send(
              new PutRecordsCommand({
                StreamName: streamName,
                Records: chunk.map(({ output, context }) => ({
                  PartitionKey: key(context),
                  Data: bytesOf(output),
                })),
              }),
            );
            chunk.forEach((_, i) => {
              const record = result.Records?.[i];
              errors.push(
                record?.ErrorCode
                  ? new Error(`${record.ErrorCode}: ${record.ErrorMessage ?? ""}`)
                  : undefined,
              );
            });
          } catch (error) {
            for (const _ of chunk) errors.push(message(error));
          }
        }
        return errors;
      },
    };
  }
  if ("republish" in action) {
    const topic = compileTemplate(action.republish.topic);
    const qos = action.republish.qos ?? 0;
    return {
      type: "RepublishAction",
      resource: action.republish.topic,
      run: eachInTurn(({ output, context }) => targets.source.publish(topic(context), bytesOf(output), qos)),
    };
  }
  const { queueName } = action.sqs;
  return {
    type: "SqsAction",
    resource: queueName,
    run: eachInTurn(async ({ output }) => {
      const body = output.kind === "raw" ? Buffer.from(output.bytes).toString("base64") : output.value;
      await targets.queues.send(queueName, body);
    }),
  };
}
