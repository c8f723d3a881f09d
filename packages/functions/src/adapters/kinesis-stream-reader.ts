import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  InvalidArgumentException,
  type KinesisClient,
  ResourceNotFoundException,
} from "@aws-sdk/client-kinesis";
import {
  pastRetention,
  type ShardRange,
  type StreamReader,
  type StreamRecord,
} from "@fleetline/core/pipeline";

/** Records per GetRecords call (Kinesis allows up to 10,000; an on-failure batch holds at most 10,000 too). */
const READ_LIMIT = 1000;

/**
 * The StreamReader on the Kinesis API (AWS, or the local Kinesis stand-in through the same SDK): an
 * iterator AT_SEQUENCE_NUMBER the range's first record, then GetRecords until past its last.
 */
export class KinesisStreamReader implements StreamReader {
  constructor(private readonly kinesis: KinesisClient) {}

  async read(range: ShardRange): Promise<StreamRecord[] | { gone: string }> {
    let iterator: string | undefined;
    try {
      ({ ShardIterator: iterator } = await this.kinesis.send(
        new GetShardIteratorCommand({
          // By name (the stream is in the reader's account and region): the Kinesis stand-in knows no ARNs.
          StreamName: range.streamArn.split(":stream/")[1],
          ShardId: range.shardId,
          ShardIteratorType: "AT_SEQUENCE_NUMBER",
          StartingSequenceNumber: range.startSequenceNumber,
        }),
      ));
    } catch (error) {
      if (error instanceof ResourceNotFoundException)
        return { gone: `${range.shardId} of ${range.streamArn} no longer exists` };
      // A sequence number the shard no longer holds may be refused rather than skipped.
      if (error instanceof InvalidArgumentException) return { gone: pastRetention(range) };
      throw error;
    }
    const end = BigInt(range.endSequenceNumber);
    const records: StreamRecord[] = [];
    while (iterator) {
      const result = await this.kinesis.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: READ_LIMIT }),
      );
      for (const record of result.Records ?? []) {
        if (BigInt(record.SequenceNumber as string) > end) return this.checked(range, records);
        records.push({
          sequenceNumber: record.SequenceNumber as string,
          partitionKey: record.PartitionKey as string,
          dataBase64: Buffer.from(record.Data as Uint8Array).toString("base64"),
          approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp as Date).getTime(),
        });
      }
      // Caught up with the shard's newest record: nothing further can be in the range.
      if ((result.Records ?? []).length === 0 && (result.MillisBehindLatest ?? 0) === 0) break;
      iterator = result.NextShardIterator;
    }
    return this.checked(range, records);
  }

  /** AT_SEQUENCE_NUMBER starts at the oldest record kept when the asked one has expired. */
  private checked(range: ShardRange, records: StreamRecord[]): StreamRecord[] | { gone: string } {
    return records[0]?.sequenceNumber === range.startSequenceNumber
      ? records
      : { gone: pastRetention(range) };
  }
}
