import type { PutFailure, StreamEntry, StreamProducer } from "@fleetline/core";
import { Faults, type WithFaults, withFaults } from "./faults.js";

/** Kinesis in memory: each stream's entries in the order they were accepted. */
export class MemoryStreamProducer implements StreamProducer {
  readonly streams = new Map<string, StreamEntry[]>();

  static create(): WithFaults<MemoryStreamProducer> {
    return withFaults(new MemoryStreamProducer(), new Faults("STREAM_WRITE_FAILED"));
  }

  async put(stream: string, entries: readonly StreamEntry[]): Promise<PutFailure[]> {
    const written = this.streams.get(stream) ?? [];
    for (const entry of entries) written.push({ partitionKey: entry.partitionKey, data: entry.data.slice() });
    this.streams.set(stream, written);
    return [];
  }
}
