import {
  ExpiredIteratorException,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type KinesisClient,
  type ShardIteratorType,
} from "@aws-sdk/client-kinesis";
import type { ShardRecord } from "./kinesis-event.js";

/**
 * Reads one shard in order through the Kinesis API, resuming after a sequence number. Re-acquires
 * its iterator when it expires (Kinesis iterators live 5 minutes).
 */
export class ShardReader {
  private iterator: string | undefined;
  private lastRead: string | undefined;

  constructor(
    private readonly kinesis: KinesisClient,
    private readonly streamName: string,
    readonly shardId: string,
    /** Resume after this sequence number; undefined starts at `startingPosition`. */
    after: string | undefined,
    private readonly startingPosition: "TRIM_HORIZON" | "LATEST",
  ) {
    this.lastRead = after;
  }

  private async acquireIterator(): Promise<string | undefined> {
    const type: ShardIteratorType =
      this.lastRead === undefined ? this.startingPosition : "AFTER_SEQUENCE_NUMBER";
    const result = await this.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: this.streamName,
        ShardId: this.shardId,
        ShardIteratorType: type,
        StartingSequenceNumber: this.lastRead,
      }),
    );
    return result.ShardIterator;
  }

  async read(limit: number): Promise<ShardRecord[]> {
    this.iterator ??= await this.acquireIterator();
    if (this.iterator === undefined) return [];
    let result: GetRecordsCommandOutput;
    try {
      result = await this.kinesis.send(new GetRecordsCommand({ ShardIterator: this.iterator, Limit: limit }));
    } catch (error) {
      if (!(error instanceof ExpiredIteratorException)) throw error;
      this.iterator = undefined;
      return [];
    }
    this.iterator = result.NextShardIterator;
    const read = (result.Records ?? []).map((record) => ({
      sequenceNumber: record.SequenceNumber ?? "",
      partitionKey: record.PartitionKey ?? "",
      data: record.Data ?? new Uint8Array(),
      approximateArrivalTimestamp: record.ApproximateArrivalTimestamp?.getTime() ?? Date.now(),
    }));
    const last = read.at(-1);
    if (last) this.lastRead = last.sequenceNumber;
    return read;
  }
}
