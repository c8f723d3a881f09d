import type { Database } from "../../stores/database.js";
import { GroupCommit } from "../../stores/group-commit.js";
import { rowsOf } from "../../stores/sql-placeholders.js";

/** The last sequence number each mapping has finished on each shard; survives restarts. */
export class CheckpointStore {
  private constructor(
    private readonly db: Database,
    private readonly beforeWrite?: () => Promise<void>,
  ) {}

  /**
   * `beforeWrite` runs before each write: the streams' fsync, so what the functions of a finished
   * batch put on a stream (validate's records) is on disk before the checkpoint says it is done.
   */
  static async open(db: Database, beforeWrite?: () => Promise<void>): Promise<CheckpointStore> {
    await db.run(`CREATE TABLE IF NOT EXISTS checkpoints (
      mapping VARCHAR NOT NULL, shard_id VARCHAR NOT NULL, sequence_number VARCHAR NOT NULL,
      PRIMARY KEY (mapping, shard_id))`);
    return new CheckpointStore(db, beforeWrite);
  }

  async get(mapping: string, shardId: string): Promise<string | undefined> {
    const [row] = await this.db.all<{ sequence_number: string }>(
      "SELECT sequence_number FROM checkpoints WHERE mapping = $mapping AND shard_id = $shard",
      { mapping, shard: shardId },
    );
    return row?.sequence_number;
  }

  /**
   * Records that `mapping` finished `shardId` up to `sequenceNumber`; resolves once it is written.
   * Checkpoints set while a write is under way (other shards, other mappings) are written together
   * in one statement, the newest per shard winning.
   */
  set(mapping: string, shardId: string, sequenceNumber: string): Promise<void> {
    return this.writes.add([[JSON.stringify([mapping, shardId]), { mapping, shardId, sequenceNumber }]]);
  }

  private readonly writes = new GroupCommit<{ mapping: string; shardId: string; sequenceNumber: string }>(
    async (rows) => {
      await this.beforeWrite?.();
      await this.db.run(
        `INSERT INTO checkpoints VALUES ${rowsOf(rows.size, 3)} ` +
          "ON CONFLICT (mapping, shard_id) DO UPDATE SET sequence_number = excluded.sequence_number",
        [...rows.values()].flatMap((row) => [row.mapping, row.shardId, row.sequenceNumber]),
      );
    },
  );
}
