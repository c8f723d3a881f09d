import type { PutFailure, StreamEntry, StreamProducer } from "@fleetline/core/pipeline";
import { FailureSwitches, type WithFailures, withFailures } from "./failure-switches.js";

/** Kinesis in memory: each stream's entries in the order they were accepted. */
export class MemoryStreamProducer implements StreamProducer {
  readonly streams = new Map<string, StreamEntry[]>();

  static create(): WithFailures<MemoryStreamProducer> {
    return withFailures(new MemoryStreamProducer(), new FailureSwitches("STREAM_WRITE_FAILED"));
  }

  async put(stream: string, entries: readonly StreamEntry[]): Promise<PutFailure[]> {
    const written = this.streams.get(stream) ?? [];
    for (const entry of entries) written.push({ partitionKey: entry.partitionKey, data: entry.data.slice() });
    this.streams.set(stream, written);
    return [];
  }
}
