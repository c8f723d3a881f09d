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
} from "@fleetline/core/telemetry";
import type { AppendValue, Database } from "./database.js";

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS telemetry (
    thing VARCHAR NOT NULL, seq BIGINT NOT NULL, type VARCHAR NOT NULL, ts BIGINT NOT NULL,
    received_at BIGINT NOT NULL, message_id VARCHAR NOT NULL, state VARCHAR NOT NULL,
    record VARCHAR NOT NULL, PRIMARY KEY (thing, seq, ts))`,
  `CREATE TABLE IF NOT EXISTS readings (
    thing VARCHAR NOT NULL, ts BIGINT NOT NULL, metric VARCHAR NOT NULL, value DOUBLE NOT NULL)`,
];

/** Where a batch is staged (temporary, this connection's): one set-based INSERT then takes it. */
const STAGING = [
  "CREATE TEMP TABLE IF NOT EXISTS incoming_telemetry AS SELECT * FROM telemetry LIMIT 0",
  "CREATE TEMP TABLE IF NOT EXISTS incoming_readings AS SELECT * FROM readings LIMIT 0",
];

/** A record as a row of `telemetry`, in its columns' order. */
function telemetryRow(record: TelemetryRecord): readonly AppendValue[] {
  return [
    record.thing,
    BigInt(record.seq),
    record.type,
    BigInt(record.ts),
    BigInt(record.receivedAt),
    record.messageId,
    record.metrics.state,
    JSON.stringify(record),
  ];
}

/** A record's numeric readings as rows of `readings`. */
function readingRows(record: TelemetryRecord): Array<readonly AppendValue[]> {
  return readingsOf(record).map(({ metric, value }) => [record.thing, BigInt(record.ts), metric, value]);
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
    for (const statement of STAGING) await db.run(statement);
    return new DuckDbTelemetryStore(db);
  }

  /**
   * A batch of new records — the usual case — is appended straight to both tables in one
   * transaction, one crossing of the database thread: the primary key refuses the whole append if
   * any record is already stored (or repeated in the batch), and nothing of it stays. Then the
   * batch goes the careful way (`writeStaged`), which keeps the first of each key.
   */
  async write(records: readonly TelemetryRecord[]): Promise<WriteResult> {
    if (records.length === 0) return { stored: 0, duplicates: 0 };
    const rows = records.map(telemetryRow);
    try {
      await this.db.atomically([
        { op: "append", into: "main", table: "telemetry", rows },
        { op: "append", into: "main", table: "readings", rows: records.flatMap(readingRows) },
      ]);
      return { stored: records.length, duplicates: 0 };
    } catch {
      // A key already taken, most likely (a replayed batch); anything else fails the careful way too.
      return this.writeStaged(records, rows);
    }
  }

  /**
   * Stages the batch with DuckDB's appender and inserts it with one statement per table, in one
   * transaction — three crossings of the database thread, not one per statement: the primary key
   * keeps the first of each (thing, seq, ts); readings are written for the rows that were new only.
   */
  private async writeStaged(
    records: readonly TelemetryRecord[],
    rows: ReadonlyArray<readonly AppendValue[]>,
  ): Promise<WriteResult> {
    let stored = 0;
    await this.db.transaction(async (tx) => {
      // Two crossings of the database thread for the batch: stage and insert the records (the new
      // ones' keys come back), then stage and insert their readings.
      const [inserted = []] = await tx.steps([
        { op: "append", table: "incoming_telemetry", rows },
        {
          op: "all",
          sql: "INSERT INTO telemetry SELECT * FROM incoming_telemetry ON CONFLICT DO NOTHING RETURNING thing, seq, ts",
        },
        { op: "run", sql: "DELETE FROM incoming_telemetry" },
      ]);
      stored = inserted.length;
      const fresh = new Set(
        inserted.map((row) =>
          recordKey({ thing: row.thing as string, seq: Number(row.seq), ts: Number(row.ts) }),
        ),
      );
      const readings = records.filter((record) => fresh.delete(recordKey(record))).flatMap(readingRows);
      if (readings.length === 0) return;
      await tx.steps([
        { op: "append", table: "incoming_readings", rows: readings },
        { op: "run", sql: "INSERT INTO readings SELECT * FROM incoming_readings" },
        { op: "run", sql: "DELETE FROM incoming_readings" },
      ]);
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
