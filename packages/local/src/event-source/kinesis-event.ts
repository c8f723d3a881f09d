import { randomUUID } from "node:crypto";
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";

/** A record as read from a shard, before it is wrapped in a Lambda event. */
export interface ShardRecord {
  sequenceNumber: string;
  partitionKey: string;
  data: Uint8Array;
  /** Epoch ms. */
  approximateArrivalTimestamp: number;
}

export interface EventOrigin {
  shardId: string;
  streamArn: string;
  region: string;
  functionName: string;
}

/** The event Lambda's Kinesis event source builds, field for field. */
export function kinesisEvent(records: readonly ShardRecord[], origin: EventOrigin): KinesisStreamEvent {
  return {
    Records: records.map(
      (record): KinesisStreamRecord => ({
        kinesis: {
          kinesisSchemaVersion: "1.0",
          partitionKey: record.partitionKey,
          sequenceNumber: record.sequenceNumber,
          data: Buffer.from(record.data).toString("base64"),
          // Lambda gives seconds with a fraction.
          approximateArrivalTimestamp: record.approximateArrivalTimestamp / 1000,
        },
        eventSource: "aws:kinesis",
        eventVersion: "1.0",
        eventID: `${origin.shardId}:${record.sequenceNumber}`,
        eventName: "aws:kinesis:record",
        invokeIdentityArn: `arn:aws:iam::000000000000:role/${origin.functionName}-role`,
        awsRegion: origin.region,
        eventSourceARN: origin.streamArn,
      }),
    ),
  };
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
