import type { BookkeepingJournal } from "../../stores/bookkeeping-journal.js";

/** The last sequence number each mapping has finished on each shard; survives restarts. */
export class CheckpointStore {
  /**
   * `beforeWrite` runs before each write: the streams' fsync, so what the functions of a finished
   * batch put on a stream (validate's records) is on disk before the checkpoint says it is done.
   */
  constructor(
    private readonly journal: BookkeepingJournal,
    private readonly beforeWrite?: () => Promise<void>,
  ) {}

  async get(mapping: string, shardId: string): Promise<string | undefined> {
    return this.journal.checkpoint(mapping, shardId);
  }

  /**
   * Records that `mapping` finished `shardId` up to `sequenceNumber`; resolves once it is durable.
   * Checkpoints set while a write is under way (other shards, other mappings, the counters) are
   * written together, in one round of the journal, the newest per shard winning.
   */
  set(mapping: string, shardId: string, sequenceNumber: string): Promise<void> {
    return this.journal.add({ checkpoints: [[mapping, shardId, sequenceNumber]] }, this.beforeWrite);
  }
}
