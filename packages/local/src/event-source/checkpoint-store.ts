import type { Database } from "../state/database.js";

/** The last sequence number each mapping has finished on each shard; survives restarts. */
export class CheckpointStore {
  private constructor(private readonly db: Database) {}

  static async open(db: Database): Promise<CheckpointStore> {
    await db.run(`CREATE TABLE IF NOT EXISTS checkpoints (
      mapping VARCHAR NOT NULL, shard_id VARCHAR NOT NULL, sequence_number VARCHAR NOT NULL,
      PRIMARY KEY (mapping, shard_id))`);
    return new CheckpointStore(db);
  }

  async get(mapping: string, shardId: string): Promise<string | undefined> {
    const [row] = await this.db.all<{ sequence_number: string }>(
      "SELECT sequence_number FROM checkpoints WHERE mapping = $mapping AND shard_id = $shard",
      { mapping, shard: shardId },
    );
    return row?.sequence_number;
  }

  async set(mapping: string, shardId: string, sequenceNumber: string): Promise<void> {
    await this.db.run("INSERT OR REPLACE INTO checkpoints VALUES ($mapping, $shard, $seq)", {
      mapping,
      shard: shardId,
      seq: sequenceNumber,
    });
  }
}
