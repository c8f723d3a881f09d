import type { Database } from "../../stores/database.js";

/** A retained message as AWS IoT Core keeps it. Times are epoch milliseconds. */
export interface RetainedMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  lastModifiedTime: number;
}

/**
 * AWS IoT Core's retained messages, kept in DuckDB and read from memory: the last retained publish
 * on each topic; an empty one deletes it.
 */
export class RetainedStore {
  private constructor(
    private readonly db: Database,
    private readonly messages: Map<string, RetainedMessage>,
  ) {}

  static async open(db: Database): Promise<RetainedStore> {
    await db.run(`CREATE TABLE IF NOT EXISTS retained_messages (
      topic VARCHAR PRIMARY KEY, payload_base64 VARCHAR NOT NULL, qos INTEGER NOT NULL, last_modified BIGINT NOT NULL)`);
    const messages = new Map<string, RetainedMessage>();
    for (const row of await db.all<{
      topic: string;
      payload_base64: string;
      qos: number;
      last_modified: bigint;
    }>("SELECT topic, payload_base64, qos, last_modified FROM retained_messages ORDER BY topic"))
      messages.set(row.topic, {
        topic: row.topic,
        payload: Buffer.from(row.payload_base64, "base64"),
        qos: row.qos === 1 ? 1 : 0,
        lastModifiedTime: Number(row.last_modified),
      });
    return new RetainedStore(db, messages);
  }

  get(topic: string): RetainedMessage | undefined {
    return this.messages.get(topic);
  }

  /** Every retained topic, in order. */
  all(): RetainedMessage[] {
    return [...this.messages.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
  }

  /** Keeps a retained publish — or, with an empty payload, deletes the topic's retained message. */
  async put(topic: string, payload: Uint8Array, qos: 0 | 1, now: number): Promise<void> {
    if (payload.length === 0) {
      await this.db.run("DELETE FROM retained_messages WHERE topic = $topic", { topic });
      this.messages.delete(topic);
      return;
    }
    const message: RetainedMessage = { topic, payload: Buffer.from(payload), qos, lastModifiedTime: now };
    await this.db.run(
      `INSERT INTO retained_messages VALUES ($topic, $payload, $qos, $now)
       ON CONFLICT (topic) DO UPDATE SET payload_base64 = excluded.payload_base64, qos = excluded.qos, last_modified = excluded.last_modified`,
      { topic, payload: message.payload.toString("base64"), qos, now: BigInt(now) },
    );
    this.messages.set(topic, message);
  }
}
