import { type KinesisClient, PutRecordCommand } from "@aws-sdk/client-kinesis";
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

export interface CompiledAction {
  /** AWS's name for the action in error-action messages, e.g. `KinesisAction`. */
  type: "KinesisAction" | "RepublishAction" | "SqsAction";
  resource: string;
  run(output: RuleOutput, context: MessageContext): Promise<void>;
}

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
      run: async (output, context) => {
        await targets.kinesis.send(
          new PutRecordCommand({ StreamName: streamName, PartitionKey: key(context), Data: bytesOf(output) }),
        );
      },
    };
  }
  if ("republish" in action) {
    const topic = compileTemplate(action.republish.topic);
    const qos = action.republish.qos ?? 0;
    return {
      type: "RepublishAction",
      resource: action.republish.topic,
      run: (output, context) => targets.source.publish(topic(context), bytesOf(output), qos),
    };
  }
  const { queueName } = action.sqs;
  return {
    type: "SqsAction",
    resource: queueName,
    run: async (output) => {
      const body = output.kind === "raw" ? Buffer.from(output.bytes).toString("base64") : output.value;
      await targets.queues.send(queueName, body);
    },
  };
}
