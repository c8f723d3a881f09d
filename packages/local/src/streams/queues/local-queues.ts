import { randomUUID } from "node:crypto";
import { fleetlineError, type SortPosition } from "@fleetline/core/common";
import type { DeadLetterQueue } from "@fleetline/core/redrive";
import { OutcomeTracker } from "../../lib/outcome-tracker.js";
import type { Database } from "../../stores/database.js";

export interface QueueMessage {
  messageId: string;
  queue: string;
  body: unknown;
  sentAt: number;
}

/**
 * Durable named queues in the runtime's database: the local stand-in for the SQS queues that take
 * Lambda's on-failure records and the IoT rule's error action. Nothing sent here is lost on restart.
 */
export class LocalQueues {
  /** How sends went, for /api/health. */
  readonly sends = new OutcomeTracker();

  private constructor(private readonly db: Database) {}

  static async open(db: Database): Promise<LocalQueues> {
    await db.run(`CREATE TABLE IF NOT EXISTS queue_messages (
      message_id VARCHAR PRIMARY KEY, queue VARCHAR NOT NULL, body VARCHAR NOT NULL, sent_at BIGINT NOT NULL)`);
    return new LocalQueues(db);
  }

  async send(queue: string, body: unknown, now = Date.now()): Promise<string> {
    const messageId = randomUUID();
    await this.sends.track(() =>
      this.db.run("INSERT INTO queue_messages VALUES ($id, $queue, $body, $sentAt)", {
        id: messageId,
        queue,
        body: JSON.stringify(body),
        sentAt: BigInt(now),
      }),
    );
    return messageId;
  }

  /** Oldest first (by sent time, then id); with `after`, only the messages sorting after it. */
  async list(queue: string, limit = 100, after?: SortPosition): Promise<QueueMessage[]> {
    const rows = await this.db.all<{ message_id: string; queue: string; body: string; sent_at: bigint }>(
      `SELECT * FROM queue_messages WHERE queue = $queue
        AND ($afterId IS NULL OR sent_at > $afterAt OR (sent_at = $afterAt AND message_id > $afterId))
        ORDER BY sent_at, message_id LIMIT $limit`,
      { queue, limit, afterAt: BigInt(after?.at ?? 0), afterId: after?.id ?? null },
    );
    return rows.map((row) => ({
      messageId: row.message_id,
      queue: row.queue,
      body: JSON.parse(row.body),
      sentAt: Number(row.sent_at),
    }));
  }

  async count(queue: string): Promise<number> {
    const [row] = await this.db.all<{ n: bigint }>(
      "SELECT count(*) AS n FROM queue_messages WHERE queue = $queue",
      {
        queue,
      },
    );
    return Number(row?.n ?? 0);
  }

  /** One named queue behind the DeadLetterQueue port. */
  queue(name: string): DeadLetterQueue {
    return {
      send: (body, now) => this.send(name, body, now),
      list: (limit, after) => this.list(name, limit, after),
      count: () => this.count(name),
      delete: (messageId) => this.delete(messageId),
    };
  }

  async delete(messageId: string): Promise<void> {
    const deleted = await this.db.all(
      "DELETE FROM queue_messages WHERE message_id = $id RETURNING message_id",
      {
        id: messageId,
      },
    );
    if (deleted.length === 0) throw fleetlineError("NOT_FOUND", `the queue has no message ${messageId}`);
  }
}
