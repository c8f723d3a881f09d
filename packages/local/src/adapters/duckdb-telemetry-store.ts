import type { DuckDBValue } from "@duckdb/node-api";
import {
  type DeviceSummary,
  readingsOf,
  recordKey,
  type SeriesPoint,
  type SeriesQuery,
  type TelemetryQuery,
  TelemetryRecord,
  type TelemetryStore,
  type WriteResult,
} from "@fleetline/core";
import type { Database } from "../state/database.js";

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS telemetry (
    thing VARCHAR NOT NULL, seq BIGINT NOT NULL, type VARCHAR NOT NULL, ts BIGINT NOT NULL,
    received_at BIGINT NOT NULL, message_id VARCHAR NOT NULL, state VARCHAR NOT NULL,
    record VARCHAR NOT NULL, PRIMARY KEY (thing, seq, ts))`,
  `CREATE TABLE IF NOT EXISTS readings (
    thing VARCHAR NOT NULL, ts BIGINT NOT NULL, metric VARCHAR NOT NULL, value DOUBLE NOT NULL)`,
];

/** DuckDB binds at most this many rows per INSERT statement here; larger batches are split. */
const ROWS_PER_INSERT = 200;

/**
 * `VALUES (…), (…)` for many rows, bound by position: DuckDB looks a named parameter up by name,
 * which costs a scan of every name per value, so a batch of rows bound by name grows quadratically.
 */
function valuesClause(
  rows: Array<Record<string, DuckDBValue>>,
  columns: string[],
  params: DuckDBValue[],
): string {
  return rows
    .map((row) => `(${columns.map((column) => `$${params.push(row[column] ?? null)}`).join(", ")})`)
    .join(", ");
}

/**
 * Data dirs written before the identity included the device time keyed telemetry by (thing, seq):
 * the table is rebuilt with the new key, every row kept.
 */
async function migrateIdentity(db: Database): Promise<void> {
  const [key] = await db.all<{ columns: string[] }>(
    `SELECT constraint_column_names AS columns FROM duckdb_constraints()
     WHERE table_name = 'telemetry' AND constraint_type = 'PRIMARY KEY'`,
  );
  if (!key || key.columns.includes("ts")) return;
  await db.transaction(async (tx) => {
    await tx.run("ALTER TABLE telemetry RENAME TO telemetry_by_seq");
    await tx.run(SCHEMA[0] as string);
    await tx.run("INSERT INTO telemetry SELECT * FROM telemetry_by_seq");
    await tx.run("DROP TABLE telemetry_by_seq");
  });
}

/**
 * Telemetry in DuckDB: one row per message — (thing, seq, ts), the record identity of core — with
 * the canonical record, and one row per numeric reading for bucketed queries. A replayed record
 * inserts nothing: the primary key decides, and readings are written only for rows that were new,
 * in the same transaction.
 */
export class DuckDbTelemetryStore implements TelemetryStore, TelemetryQuery {
  private constructor(private readonly db: Database) {}

  static async open(db: Database): Promise<DuckDbTelemetryStore> {
    for (const statement of SCHEMA) await db.run(statement);
    await migrateIdentity(db);
    return new DuckDbTelemetryStore(db);
  }

  async write(records: readonly TelemetryRecord[]): Promise<WriteResult> {
    let stored = 0;
    await this.db.transaction(async (tx) => {
      for (let start = 0; start < records.length; start += ROWS_PER_INSERT) {
        const chunk = records.slice(start, start + ROWS_PER_INSERT);
        const params: DuckDBValue[] = [];
        const rows = chunk.map((record) => ({
          thing: record.thing,
          seq: BigInt(record.seq),
          type: record.type,
          ts: BigInt(record.ts),
          received_at: BigInt(record.receivedAt),
          message_id: record.messageId,
          state: record.metrics.state,
          record: JSON.stringify(record),
        }));
        const columns = Object.keys(rows[0] as object);
        const inserted = await tx.all<{ thing: string; seq: bigint; ts: bigint }>(
          `INSERT INTO telemetry VALUES ${valuesClause(rows, columns, params)} ON CONFLICT DO NOTHING RETURNING thing, seq, ts`,
          params,
        );
        stored += inserted.length;
        const fresh = new Set(
          inserted.map((row) => recordKey({ thing: row.thing, seq: Number(row.seq), ts: Number(row.ts) })),
        );
        const readings = chunk
          .filter((record) => fresh.delete(recordKey(record)))
          .flatMap((record) =>
            readingsOf(record).map(({ metric, value }) => ({
              thing: record.thing,
              ts: BigInt(record.ts),
              metric,
              value,
            })),
          );
        for (let r = 0; r < readings.length; r += ROWS_PER_INSERT) {
          const slice = readings.slice(r, r + ROWS_PER_INSERT);
          const readingParams: DuckDBValue[] = [];
          await tx.run(
            `INSERT INTO readings VALUES ${valuesClause(slice, ["thing", "ts", "metric", "value"], readingParams)}`,
            readingParams,
          );
        }
      }
    });
    return { stored, duplicates: records.length - stored };
  }

  async series(query: SeriesQuery): Promise<SeriesPoint[]> {
    const bucket = BigInt(query.bucketMs);
    const rows = await this.db.all<{ t: bigint; avg: number; min: number; max: number; count: bigint }>(
      `SELECT (ts // $bucket) * $bucket AS t, avg(value) AS avg, min(value) AS min, max(value) AS max, count(*) AS count
       FROM readings WHERE thing = $thing AND metric = $metric AND ts >= $from AND ts < $to
       GROUP BY 1 ORDER BY 1`,
      { bucket, thing: query.thing, metric: query.metric, from: BigInt(query.from), to: BigInt(query.to) },
    );
    return rows.map((row) => ({
      t: Number(row.t),
      avg: row.avg,
      min: row.min,
      max: row.max,
      count: Number(row.count),
    }));
  }

  async latest(thing: string): Promise<TelemetryRecord | undefined> {
    const [row] = await this.db.all<{ record: string }>(
      "SELECT record FROM telemetry WHERE thing = $thing ORDER BY ts DESC, seq DESC LIMIT 1",
      { thing },
    );
    return row ? TelemetryRecord.parse(JSON.parse(row.record)) : undefined;
  }

  async summaries(): Promise<DeviceSummary[]> {
    const rows = await this.db.all<{ thing: string; type: string; last_seen: bigint; state: string }>(
      `SELECT thing, any_value(type) AS type, max(received_at) AS last_seen, arg_max(state, ts) AS state
       FROM telemetry GROUP BY thing ORDER BY thing`,
    );
    return rows.map((row) => ({
      thing: row.thing,
      type: row.type as DeviceSummary["type"],
      lastSeen: Number(row.last_seen),
      state: row.state,
    }));
  }
}
