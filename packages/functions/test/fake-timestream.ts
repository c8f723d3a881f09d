import { QueryCommand, TimestreamQueryClient } from "@aws-sdk/client-timestream-query";
import {
  type _Record,
  RejectedRecordsException,
  TimestreamWriteClient,
  WriteRecordsCommand,
} from "@aws-sdk/client-timestream-write";
import { DuckDBInstance } from "@duckdb/node-api";
import { mockClient } from "aws-sdk-client-mock";

interface Row {
  dimensions: Record<string, string>;
  measureName: string;
  time: number;
  version: number;
  measures: Map<string, { value: string; type: string }>;
}

const SQL_TYPES: Record<string, string> = {
  DOUBLE: "DOUBLE",
  BIGINT: "BIGINT",
  VARCHAR: "VARCHAR",
  BOOLEAN: "BOOLEAN",
};

/** Timestream prints times with nanoseconds: `2026-01-01 00:00:00.123000000`. */
function timestreamTime(date: Date): string {
  return `${date.toISOString().replace("T", " ").replace("Z", "")}000000`;
}

function scalar(value: unknown): { ScalarValue: string } | { NullValue: true } {
  if (value === null || value === undefined) return { NullValue: true };
  if (value instanceof Date) return { ScalarValue: timestreamTime(value) };
  if (typeof value === "number")
    return { ScalarValue: Number.isInteger(value) ? value.toFixed(1) : String(value) };
  return { ScalarValue: String(value) };
}

/** The constructs of Timestream's SQL the query adapter uses, in DuckDB's words; anything else fails in DuckDB. */
function toDuckDb(sql: string): string {
  return sql
    .replace(/bin\(time, (\d+)ms\)/g, "epoch_ms((epoch_ms(time) // $1) * $1)")
    .replace(/from_milliseconds\((\d+)\)/g, "epoch_ms($1::BIGINT)");
}

/**
 * Amazon Timestream for LiveAnalytics behind aws-sdk-client-mock. WriteRecords keeps AWS's rules
 * for multi-measure records: a record is identified by its dimensions, time and measure name; an
 * identical one is taken again silently, a different one only with a higher version (an upsert),
 * otherwise it is rejected with the existing version while the rest of the request is written.
 * Queries run in DuckDB over the same rows, with the few Timestream functions the adapter uses
 * translated, and answer in Timestream's shape (strings, nanosecond times, pages).
 */
export async function fakeTimestream(database: string, table: string) {
  const write = mockClient(TimestreamWriteClient);
  const query = mockClient(TimestreamQueryClient);
  const rows = new Map<string, Row>();
  const instance = await DuckDBInstance.create(":memory:");
  const duck = await instance.connect();
  await duck.run(`CREATE SCHEMA "${database}"`);

  function writeRecord(record: _Record, common: _Record): { reason: string; existing?: number } | undefined {
    const merged = { ...common, ...record };
    if (merged.MeasureValueType !== "MULTI" || merged.TimeUnit !== "MILLISECONDS")
      return { reason: "the fake takes multi-measure records in milliseconds only" };
    const dimensions = Object.fromEntries(
      [...(common.Dimensions ?? []), ...(record.Dimensions ?? [])].map((d) => [d.Name, d.Value]),
    ) as Record<string, string>;
    const measures = new Map(
      (merged.MeasureValues ?? []).map((m) => [
        m.Name as string,
        { value: m.Value as string, type: m.Type as string },
      ]),
    );
    const time = Number(merged.Time);
    const version = Number(merged.Version ?? 1);
    const key = JSON.stringify([Object.entries(dimensions).sort(), merged.MeasureName, time]);
    const existing = rows.get(key);
    if (existing) {
      const same = JSON.stringify([...existing.measures].sort()) === JSON.stringify([...measures].sort());
      if (same) {
        existing.version = Math.max(existing.version, version);
        return undefined;
      }
      if (version <= existing.version)
        return {
          reason:
            "A record with the same dimensions, time and measure name but different values exists at this or a later version.",
          existing: existing.version,
        };
    }
    rows.set(key, { dimensions, measureName: merged.MeasureName as string, time, version, measures });
    return undefined;
  }

  write
    .on(WriteRecordsCommand)
    .callsFake(({ DatabaseName, TableName, CommonAttributes = {}, Records = [] }) => {
      if (DatabaseName !== database || TableName !== table)
        throw new Error(`no table ${DatabaseName}.${TableName}`);
      if (Records.length > 100) throw new Error("WriteRecords takes at most 100 records");
      const rejected = (Records as _Record[]).flatMap((record, index) => {
        const refusal = writeRecord(record, CommonAttributes as _Record);
        return refusal
          ? [{ RecordIndex: index, Reason: refusal.reason, ExistingVersion: refusal.existing }]
          : [];
      });
      if (rejected.length > 0)
        throw new RejectedRecordsException({
          message: "One or more records have been rejected.",
          $metadata: {},
          RejectedRecords: rejected,
        });
      return { RecordsIngested: { Total: Records.length } };
    });

  /** The table as Timestream would show it: dimensions, measure_name, time and one column per measure. */
  async function materialize(): Promise<void> {
    const columns = new Map<string, string>();
    for (const row of rows.values()) {
      for (const name of Object.keys(row.dimensions)) columns.set(name, "VARCHAR");
      for (const [name, { type }] of row.measures) columns.set(name, SQL_TYPES[type] ?? "VARCHAR");
    }
    const target = `"${database}"."${table}"`;
    await duck.run(`DROP TABLE IF EXISTS ${target}`);
    const definitions = [...columns].map(([name, type]) => `"${name}" ${type}`);
    await duck.run(
      `CREATE TABLE ${target} (measure_name VARCHAR, time TIMESTAMP${definitions.map((d) => `, ${d}`).join("")})`,
    );
    for (const row of rows.values()) {
      const values: Record<string, string | number | null> = {
        measure_name: row.measureName,
        ...row.dimensions,
      };
      for (const [name, { value }] of row.measures) values[name] = value;
      const names = Object.keys(values);
      await duck.run(
        `INSERT INTO ${target} (time, ${names.map((n) => `"${n}"`).join(", ")}) VALUES (epoch_ms(${row.time}::BIGINT), ${names.map((_, i) => `$${i + 1}`).join(", ")})`,
        names.map((n) => values[n] ?? null),
      );
    }
  }

  query.on(QueryCommand).callsFake(async ({ QueryString, NextToken }) => {
    await materialize();
    const reader = await duck.runAndReadAll(toDuckDb(QueryString as string));
    const names = reader.columnNames();
    const all = reader.getRowObjectsJS();
    // Two rows a page, so that paging is exercised.
    const start = Number(NextToken ?? 0);
    const page = all.slice(start, start + 2);
    return {
      QueryId: "fake",
      ColumnInfo: names.map((Name) => ({ Name, Type: { ScalarType: "VARCHAR" as const } })),
      Rows: page.map((row) => ({ Data: names.map((name) => scalar(row[name])) })),
      ...(start + 2 < all.length ? { NextToken: String(start + 2) } : {}),
    };
  });

  return {
    writeClient: new TimestreamWriteClient({ region: "eu-west-1" }),
    queryClient: new TimestreamQueryClient({ region: "eu-west-1" }),
    rows,
    reset: () => rows.clear(),
    close: () => {
      write.restore();
      query.restore();
      duck.closeSync();
      instance.closeSync();
    },
  };
}
