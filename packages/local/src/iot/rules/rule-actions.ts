import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { RuleAction } from "@fleetline/core/pipeline";
import { KinesisStreamProducer } from "@fleetline/functions/kinesis";
import type { AsyncInvoker } from "../../streams/lambda/async-invoker.js";
import type { LocalQueues } from "../../streams/queues/local-queues.js";
import type { MessageSource } from "../bus/message-source.js";
import type { RuleOutput } from "./sql-evaluate.js";
import type { MessageContext } from "./sql-functions.js";
import { compileTemplate } from "./substitution.js";

export interface ActionTargets {
  kinesis: KinesisClient;
  queues: LocalQueues;
  source: MessageSource;
  /** The functions a Lambda action invokes, asynchronously. */
  functions?: AsyncInvoker;
}

export interface ActionItem {
  output: RuleOutput;
  context: MessageContext;
}

export interface CompiledAction {
  /** AWS's name for the action in error-action messages, e.g. `KinesisAction`. */
  type: "KinesisAction" | "RepublishAction" | "SqsAction" | "LambdaAction";
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

function bytesOf(output: RuleOutput): Uint8Array {
  return output.kind === "raw" ? output.bytes : new TextEncoder().encode(JSON.stringify(output.value));
}

/** Builds an action once, at rule load; substitution templates are parsed here, so bad ones fail the load. */
export function compileAction(action: RuleAction, targets: ActionTargets): CompiledAction {
  if ("kinesis" in action) {
    const { streamName, partitionKey } = action.kinesis;
    const key = compileTemplate(partitionKey);
    const producer = new KinesisStreamProducer(targets.kinesis, { maxAttempts: 4 });
    return {
      type: "KinesisAction",
      resource: streamName,
      // Messages queued together go out in few PutRecords calls, each partition key in publish
      // order: the stream ends up as with one PutRecord each (AWS IoT's own Kinesis action), at a
      // fraction of the round trips. A record Kinesis refuses fails alone; its neighbours go in.
      run: async (items) => {
        const entries = items.map(({ output, context }) => ({
          partitionKey: key(context),
          data: bytesOf(output),
        }));
        const errors: Array<Error | undefined> = items.map(() => undefined);
        for (const failure of await producer.put(streamName, entries)) {
          errors[failure.index] = Object.assign(new Error(failure.errorMessage), { name: failure.errorCode });
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
  if ("lambda" in action) {
    const { functionName } = action.lambda;
    return {
      type: "LambdaAction",
      resource: functionName,
      // AWS IoT invokes asynchronously: the action is done once the invocation is accepted.
      run: eachInTurn(async ({ output }) => {
        if (!targets.functions) throw new Error(`Function not found: ${functionName}`);
        targets.functions.invoke(
          functionName,
          output.kind === "raw" ? Buffer.from(output.bytes).toString("base64") : output.value,
        );
      }),
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
