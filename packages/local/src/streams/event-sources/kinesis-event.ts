import { randomUUID } from "node:crypto";
import { kinesisEvent as coreKinesisEvent, type EventOrigin } from "@fleetline/core/aws";
import type { Context, KinesisStreamEvent } from "aws-lambda";

/** A record as read from a shard, before it is wrapped in a Lambda event. */
export interface ShardRecord {
  sequenceNumber: string;
  partitionKey: string;
  data: Uint8Array;
  /** Epoch ms. */
  approximateArrivalTimestamp: number;
}

/** The event Lambda's Kinesis event source builds for `records` (core's `kinesisEvent`, from their bytes). */
export function kinesisEvent(records: readonly ShardRecord[], origin: EventOrigin): KinesisStreamEvent {
  return coreKinesisEvent(records, origin, (record) => Buffer.from(record.data).toString("base64"));
}

/** A Lambda context for one local invocation. */
export function lambdaContext(functionName: string, region: string, deadline: number): Context {
  const unsupported = () => {
    throw new Error("context.done/fail/succeed are not supported; return or throw instead");
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
