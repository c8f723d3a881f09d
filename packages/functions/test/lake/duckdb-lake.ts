import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { LAKE_COLUMNS, LAKE_PREFIX, type LakeColumnType, type LakeRow } from "@fleetline/core/telemetry";
import type { LakeSqlEngine, SqlRow } from "../../src/adapters/athena-sql-engine.js";
import type { LakeSink } from "../../src/adapters/lake-telemetry-store.js";

const DUCKDB_TYPES: Record<LakeColumnType, string> = {
  string: "VARCHAR",
  bigint: "BIGINT",
  double: "DOUBLE",
  "map<string,double>": "MAP(VARCHAR, DOUBLE)",
  faults: "STRUCT(code VARCHAR, severity VARCHAR, detail VARCHAR)[]",
};

/**
 * The one difference between Athena's SQL and DuckDB's that the lake's queries meet: Athena's
 * `element_at(map, key)` is a value (NULL when absent), DuckDB's a list, so it becomes `map[key]`.
 */
export function athenaToDuckDb(sql: string): string {
  return sql.replace(/element_at\((\w+), ('[^']*')\)/g, "$1[$2]");
}

/**
 * The telemetry lake on disk, as Firehose lays it out on S3: Parquet files with the Glue table's
 * columns under `telemetry/day=YYYY-MM-DD/type={type}/`, a new file per delivery. `sink` writes
 * them; `engine` runs the Athena adapter's SQL over them in DuckDB, answering strings as Athena does.
 */
export async function duckDbLake(dir: string, table = { database: "fleetline", table: "telemetry" }) {
  const instance = await DuckDBInstance.create(":memory:");
  const duck = await instance.connect();
  const root = join(dir, LAKE_PREFIX);
  let deliveries = 0;
  const columns = [
    ...LAKE_COLUMNS.map((c) => `'${c.name}': '${DUCKDB_TYPES[c.type]}'`),
    "'day': 'VARCHAR'",
    "'type': 'VARCHAR'",
  ].join(", ");

  const files = async (): Promise<boolean> => {
    try {
      return (await readdir(root, { recursive: true })).some((f) => String(f).endsWith(".parquet"));
    } catch {
      return false;
    }
  };

  const sink: LakeSink = {
    async put(rows: readonly LakeRow[]) {
      if (rows.length === 0) return;
      await mkdir(root, { recursive: true });
      deliveries += 1;
      const batch = join(dir, `delivery-${deliveries}.json`);
      await writeFile(batch, rows.map((row) => JSON.stringify(row)).join("\n"));
      await duck.run(
        `COPY (SELECT * FROM read_json('${batch}', format = 'newline_delimited', columns = {${columns}})) ` +
          `TO '${root}' (FORMAT parquet, PARTITION_BY (day, type), APPEND, FILENAME_PATTERN 'delivery-${deliveries}-{uuid}')`,
      );
    },
  };

  const engine: LakeSqlEngine = {
    async rows(sql: string): Promise<SqlRow[]> {
      if (!(await files())) return [];
      await duck.run(`CREATE SCHEMA IF NOT EXISTS "${table.database}"`);
      await duck.run(
        `CREATE OR REPLACE VIEW "${table.database}"."${table.table}" AS SELECT * FROM read_parquet('${root}**/*.parquet', hive_partitioning = true, hive_types_autocast = false)`,
      );
      const reader = await duck.runAndReadAll(athenaToDuckDb(sql));
      return reader
        .getRowObjectsJson()
        .map((row) =>
          Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? null : String(v)])),
        );
    },
  };

  return { sink, engine, close: () => duck.closeSync() };
}
