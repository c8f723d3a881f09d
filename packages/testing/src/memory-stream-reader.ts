import {
  pastRetention,
  type ShardRange,
  type StreamReader,
  type StreamRecord,
} from "@fleetline/core/pipeline";
import { FailureSwitches, type WithFailures, withFailures } from "./failure-switches.js";

/** Kinesis shards in memory, read back by range; `trim` drops the oldest records as retention does. */
export class MemoryStreamReader implements StreamReader {
  /** Each shard's records in order, by `${streamArn} ${shardId}`. */
  readonly shards = new Map<string, StreamRecord[]>();

  static create(): WithFailures<MemoryStreamReader> {
    return withFailures(new MemoryStreamReader(), new FailureSwitches("STORE_UNAVAILABLE"));
  }

  append(streamArn: string, shardId: string, records: readonly StreamRecord[]): void {
    const key = `${streamArn} ${shardId}`;
    this.shards.set(key, [...(this.shards.get(key) ?? []), ...records]);
  }

  /** Drops the oldest `count` records of a shard. */
  trim(streamArn: string, shardId: string, count: number): void {
    this.shards.get(`${streamArn} ${shardId}`)?.splice(0, count);
  }

  async read(range: ShardRange): Promise<StreamRecord[] | { gone: string }> {
    const shard = this.shards.get(`${range.streamArn} ${range.shardId}`);
    if (!shard) return { gone: `${range.shardId} of ${range.streamArn} no longer exists` };
    const start = BigInt(range.startSequenceNumber);
    const end = BigInt(range.endSequenceNumber);
    const records = shard.filter((r) => BigInt(r.sequenceNumber) >= start && BigInt(r.sequenceNumber) <= end);
    if (records[0]?.sequenceNumber !== range.startSequenceNumber) return { gone: pastRetention(range) };
    return structuredClone(records);
  }
}
