/** A stream record as Lambda's Kinesis event carries it. */
export interface StreamRecord {
  sequenceNumber: string;
  partitionKey: string;
  dataBase64: string;
  /** Epoch ms. */
  approximateArrivalTimestamp: number;
}

/** A batch as the event source's on-failure record names it (its `KinesisBatchInfo`). */
export interface ShardRange {
  streamArn: string;
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
}

/** Reads records back from a Kinesis stream (the real Kinesis API, or the local Kinesis stand-in). */
export interface StreamReader {
  /**
   * Every record of `range`, in order; or why they cannot be read again — the shard is gone, or
   * the first record is past the stream's retention.
   */
  read(range: ShardRange): Promise<StreamRecord[] | { gone: string }>;
}

/** Why a range cannot be read again once its first record is gone (every reader says it so). */
export function pastRetention(range: ShardRange): string {
  return `records ${range.startSequenceNumber}…${range.endSequenceNumber} of ${range.shardId} are past the stream's retention`;
}
