import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
  ResourceNotFoundException,
} from "@aws-sdk/client-kinesis";
import { mockClient } from "aws-sdk-client-mock";

interface KeptRecord {
  SequenceNumber: string;
  PartitionKey: string;
  Data: Uint8Array;
  ApproximateArrivalTimestamp: Date;
}

/** The one shard of each stream (enough for the API's redrive; the reader's contract runs against the Kinesis stand-in). */
const SHARD = "shardId-000000000000";

/**
 * Kinesis streams of one shard behind aws-sdk-client-mock, as Kinesis answers: PutRecords appends
 * with increasing sequence numbers; an iterator AT_SEQUENCE_NUMBER starts at the first record kept
 * at or after it (the trim horizon when it has expired: `trim` drops the oldest, as retention
 * does); GetRecords pages with `Limit` and says how far behind the newest record it is.
 */
export function fakeKinesis(streams: readonly string[]) {
  const mock = mockClient(KinesisClient);
  const shards = new Map<string, KeptRecord[]>(streams.map((name) => [name, []]));
  let sequence = 49_650_000_000_000_000_000n;
  const refused = new Set<string>();
  const shardOf = (stream: string | undefined, shardId = SHARD) => {
    const records = stream === undefined ? undefined : shards.get(stream);
    if (!records || shardId !== SHARD)
      throw new ResourceNotFoundException({
        message: `Shard ${shardId} in stream ${stream} does not exist`,
        $metadata: {},
      });
    return records;
  };

  mock.on(PutRecordsCommand).callsFake(({ StreamName, Records = [] }) => {
    const records = shardOf(StreamName);
    if (refused.has(StreamName as string))
      return {
        FailedRecordCount: Records.length,
        Records: Records.map(() => ({
          ErrorCode: "ProvisionedThroughputExceededException",
          ErrorMessage: "Rate exceeded for shard shardId-000000000000",
        })),
      };
    return {
      FailedRecordCount: 0,
      Records: Records.map((record: PutRecordsRequestEntry) => {
        sequence += 17n;
        records.push({
          SequenceNumber: String(sequence),
          PartitionKey: record.PartitionKey as string,
          Data: record.Data as Uint8Array,
          ApproximateArrivalTimestamp: new Date(),
        });
        return { SequenceNumber: String(sequence), ShardId: SHARD };
      }),
    };
  });
  mock.on(GetShardIteratorCommand).callsFake(({ StreamName, ShardId, StartingSequenceNumber }) => {
    const records = shardOf(StreamName, ShardId);
    const at = records.findIndex((r) => BigInt(r.SequenceNumber) >= BigInt(StartingSequenceNumber as string));
    return { ShardIterator: `${StreamName}|${at < 0 ? records.length : at}` };
  });
  mock.on(GetRecordsCommand).callsFake(({ ShardIterator, Limit = 10_000 }) => {
    const [stream, from] = (ShardIterator as string).split("|");
    const records = shardOf(stream);
    const start = Number(from);
    const read = records.slice(start, start + Limit);
    const next = start + read.length;
    return {
      Records: read,
      NextShardIterator: `${stream}|${next}`,
      MillisBehindLatest: next < records.length ? 1000 : 0,
    };
  });

  return {
    mock,
    /** What a stream holds, oldest first. */
    records: (stream: string) => shardOf(stream),
    /** Every put on `stream` is refused, record by record, as throttling does, until the returned function is called. */
    refuse(stream: string): () => void {
      refused.add(stream);
      return () => void refused.delete(stream);
    },
    /** Drops a stream's oldest `count` records, as retention does. */
    trim: (stream: string, count: number) => void shardOf(stream).splice(0, count),
    reset() {
      for (const records of shards.values()) records.length = 0;
    },
    restore: () => mock.restore(),
  };
}
