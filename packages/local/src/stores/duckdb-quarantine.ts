import type { Page, PageRequest } from "@fleetline/core/common";
import { RETENTION } from "@fleetline/core/pipeline";
import {
  type Quarantine,
  type QuarantineEntry,
  type QuarantineFilter,
  quarantinePosition,
} from "@fleetline/core/telemetry";
import type { Database } from "./database.js";
import { keysetClause, pageFrom } from "./duckdb-pages.js";
import { placeholders } from "./sql-placeholders.js";

/** A filter as SQL: the thing is the topic's fourth level, dt/fleetline/{type}/{thing}/telemetry. */
const MATCHES = `($reason IS NULL OR reason = $reason) AND received_at >= $since
  AND ($thing IS NULL OR split_part(topic, '/', 4) = $thing)
  AND ($afterId IS NULL OR received_at > $afterAt OR (received_at = $afterAt AND message_id > $afterId))`;

function matchParams(filter: QuarantineFilter) {
  return {
    reason: filter.reason ?? null,
    since: BigInt(filter.since ?? 0),
    thing: filter.thing ?? null,
    afterAt: BigInt(filter.after?.at ?? 0),
    afterId: filter.after?.id ?? null,
  };
}

function entryOf(row: Record<string, unknown>): QuarantineEntry {
  return {
    messageId: row.message_id as string,
    receivedAt: Number(row.received_at),
    topic: row.topic as string,
    clientId: row.client_id as string,
    reason: row.reason as QuarantineEntry["reason"],
    detail: row.detail as string,
    payloadBase64: row.payload_base64 as string,
  };
}

/** Rejected messages in DuckDB, one row per messageId, with the device's original bytes (`position`: insertion order, kept for older data dirs). */
export class DuckDbQuarantine implements Quarantine {
  private constructor(private readonly db: Database) {}

  static async open(db: Database): Promise<DuckDbQuarantine> {
    await db.run(`CREATE TABLE IF NOT EXISTS quarantine (
      message_id VARCHAR PRIMARY KEY, received_at BIGINT NOT NULL, topic VARCHAR NOT NULL,
      client_id VARCHAR NOT NULL, reason VARCHAR NOT NULL, detail VARCHAR NOT NULL, payload_base64 VARCHAR NOT NULL,
      position BIGINT NOT NULL)`);
    return new DuckDbQuarantine(db);
  }

  async put(entries: readonly QuarantineEntry[]): Promise<number> {
    return this.db.transaction(async (tx) => {
      const [last] = await tx.all<{ position: bigint | null }>(
        "SELECT max(position) AS position FROM quarantine",
      );
      let position = last?.position ?? 0n;
      let added = 0;
      for (const entry of entries) {
        position += 1n;
        const inserted = await tx.all(
          `INSERT INTO quarantine VALUES ($id, $receivedAt, $topic, $clientId, $reason, $detail, $payload, $position)
           ON CONFLICT DO NOTHING RETURNING message_id`,
          {
            id: entry.messageId,
            receivedAt: BigInt(entry.receivedAt),
            topic: entry.topic,
            clientId: entry.clientId,
            reason: entry.reason,
            detail: entry.detail,
            payload: entry.payloadBase64,
            position,
          },
        );
        added += inserted.length;
      }
      return added;
    });
  }

  async page(request: PageRequest): Promise<Page<QuarantineEntry>> {
    const keyset = keysetClause("received_at", "message_id", request);
    const rows = await this.db.all<Record<string, unknown>>(
      `SELECT * FROM quarantine WHERE ${keyset.where} ${keyset.order}`,
      keyset.params,
    );
    return pageFrom(rows.map(entryOf), quarantinePosition, request.limit);
  }

  async select(filter: QuarantineFilter, limit: number): Promise<QuarantineEntry[]> {
    const rows = await this.db.all<Record<string, unknown>>(
      `SELECT * FROM quarantine WHERE ${MATCHES} ORDER BY received_at, message_id LIMIT $limit`,
      { ...matchParams(filter), limit },
    );
    return rows.map(entryOf);
  }

  async remove(entries: readonly QuarantineEntry[]): Promise<void> {
    const messageIds = entries.map((entry) => entry.messageId);
    if (messageIds.length === 0) return;
    await this.db.run(`DELETE FROM quarantine WHERE message_id IN (${placeholders(messageIds.length)})`, [
      ...messageIds,
    ]);
  }

  /** DynamoDB's TTL, locally: deletes entries past their retention. */
  async forgetExpired(now: number): Promise<void> {
    await this.db.run("DELETE FROM quarantine WHERE received_at <= $before", {
      before: BigInt(now - RETENTION.quarantineMs),
    });
  }

  async count(filter: QuarantineFilter = {}): Promise<number> {
    const [row] = await this.db.all<{ n: bigint }>(
      `SELECT count(*) AS n FROM quarantine WHERE ${MATCHES}`,
      matchParams(filter),
    );
    return Number(row?.n ?? 0);
  }
}
