import type { StreamRecord } from "../pipeline/stream-reader.js";

/** One record of the event Lambda's Kinesis event source builds, field for field. */
export interface KinesisEventRecord {
  kinesis: {
    kinesisSchemaVersion: string;
    partitionKey: string;
    sequenceNumber: string;
    data: string;
    approximateArrivalTimestamp: number;
  };
  eventSource: string;
  eventVersion: string;
  eventID: string;
  eventName: string;
  invokeIdentityArn: string;
  awsRegion: string;
  eventSourceARN: string;
}

/** Where a batch comes from: its stream and shard, and the function that consumes it. */
export interface EventOrigin {
  shardId: string;
  streamArn: string;
  functionName: string;
}

/** The region of an ARN (`arn:partition:service:region:account:resource`). */
export function regionOf(arn: string): string {
  return arn.split(":")[3] ?? "";
}

/**
 * The event Lambda's Kinesis event source hands a function for `records`, as it builds it; each
 * record's data as base64 from `dataBase64` (a record read back carries it so; the local event
 * source holds bytes, and encodes them here rather than copy every record first).
 */
export function kinesisEvent<R extends Omit<StreamRecord, "dataBase64">>(
  records: readonly R[],
  origin: EventOrigin,
  dataBase64: (record: R) => string,
): { Records: KinesisEventRecord[] } {
  const awsRegion = regionOf(origin.streamArn);
  return {
    Records: records.map((record) => ({
      kinesis: {
        kinesisSchemaVersion: "1.0",
        partitionKey: record.partitionKey,
        sequenceNumber: record.sequenceNumber,
        data: dataBase64(record),
        // Lambda gives seconds with a fraction.
        approximateArrivalTimestamp: record.approximateArrivalTimestamp / 1000,
      },
      eventSource: "aws:kinesis",
      eventVersion: "1.0",
      eventID: `${origin.shardId}:${record.sequenceNumber}`,
      eventName: "aws:kinesis:record",
      invokeIdentityArn: `arn:aws:iam::000000000000:role/${origin.functionName}-role`,
      awsRegion,
      eventSourceARN: origin.streamArn,
    })),
  };
}

/**
 * A Kinesis event a redrive hands a function (docs/reference/api.md): marked so, the function sends
 * no record to the dead-letter queue (where the redrive took it from) but reports each record that
 * failed again, with its error, for the redrive to keep where it was.
 */
export interface RedriveEvent {
  Records: KinesisEventRecord[];
  fleetlineRedrive: true;
}

/** A stream function's answer to a redrive: Lambda's partial batch response, with each failure's error. */
export interface RedriveResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
  fleetlineErrors: Array<{ itemIdentifier: string; errorType: string; errorMessage: string }>;
}

export function isRedriveEvent(event: unknown): boolean {
  return (event as Partial<RedriveEvent> | undefined)?.fleetlineRedrive === true;
}
