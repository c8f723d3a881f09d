import { randomUUID } from "node:crypto";
import type { FailureCondition } from "./batch-processor.js";
import type { ShardRecord } from "./kinesis-event.js";

export interface FailedBatch {
  functionName: string;
  region: string;
  shardId: string;
  streamArn: string;
  records: readonly ShardRecord[];
  condition: FailureCondition;
  invokeCount: number;
  now: number;
  /** Why the last invocation failed, when one did. */
  lastError?: { errorType: string; errorMessage: string };
}

/**
 * The record Lambda sends to a Kinesis event source's on-failure destination: which records of
 * which shard were given up on, and why (`condition`). The records themselves stay on the stream
 * for its retention period. Locally it also carries the last invocation's error as
 * `responsePayload`, the field Lambda's destinations for asynchronous invocations use for it.
 */
export function onFailureRecord(batch: FailedBatch) {
  const first = batch.records[0] as ShardRecord;
  const last = batch.records.at(-1) as ShardRecord;
  return {
    requestContext: {
      requestId: randomUUID(),
      functionArn: `arn:aws:lambda:${batch.region}:000000000000:function:${batch.functionName}`,
      condition: batch.condition,
      approximateInvokeCount: batch.invokeCount,
    },
    responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
    version: "1.0",
    timestamp: new Date(batch.now).toISOString(),
    KinesisBatchInfo: {
      shardId: batch.shardId,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: last.sequenceNumber,
      approximateArrivalOfFirstRecord: new Date(first.approximateArrivalTimestamp).toISOString(),
      approximateArrivalOfLastRecord: new Date(last.approximateArrivalTimestamp).toISOString(),
      batchSize: batch.records.length,
      streamArn: batch.streamArn,
    },
    ...(batch.lastError ? { responsePayload: batch.lastError } : {}),
  };
}
