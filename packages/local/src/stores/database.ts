import {
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBMaterializedResult,
  type DuckDBPreparedStatement,
  DuckDBResultReader,
  type DuckDBValue,
} from "@duckdb/node-api";
import type { DiskFailures } from "../lib/disk-failures.js";

/** Named (`$name`) or positional (`$1`, `$2`, …) parameters; many rows bind faster by position. */
export type SqlParams = Record<string, DuckDBValue> | DuckDBValue[];

/** A value an appender takes: text, a BIGINT, a DOUBLE. */
export type AppendValue = string | bigint | number;

export interface Transaction {
  run(sql: string, params?: SqlParams): Promise<void>;
  all<T extends Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]>;
  /**
   * Appends rows to a temporary table with DuckDB's appender (no SQL to parse, nothing to bind by
   * name), within the transaction: the way to stage a batch before one set-based statement.
   */
  appendTemp(table: string, rows: ReadonlyArray<readonly AppendValue[]>): Promise<void>;
}

/** How many prepared statements a connection keeps; the least recently used goes first. */
const PREPARED_KEPT = 256;

/**
 * A connection's statements with parameters, each prepared once and run again with new values:
 * DuckDB's node API otherwise splits, prepares, runs and destroys the statement on every call —
 * three round trips to DuckDB's threads where a prepared statement takes one.
 */
class StatementCache {
  private readonly prepared = new Map<string, DuckDBPreparedStatement>();

  constructor(private readonly connection: DuckDBConnection) {}

  async run(sql: string, params?: SqlParams): Promise<DuckDBMaterializedResult> {
    if (params === undefined) return this.connection.run(sql);
    let statement = this.prepared.get(sql);
    if (statement) {
      // Most recently used last.
      this.prepared.delete(sql);
    } else {
      statement = await this.connection.prepare(sql);
      if (this.prepared.size >= PREPARED_KEPT) {
        const [oldest, evicted] = this.prepared.entries().next().value as [string, DuckDBPreparedStatement];
        this.prepared.delete(oldest);
        evicted.destroySync();
      }
    }
    this.prepared.set(sql, statement);
    // A value left out must be an error, as on a fresh statement, never the last call's value.
    statement.clearBindings();
    statement.bind(params);
    return statement.run();
  }

  async rows<T>(sql: string, params?: SqlParams): Promise<T[]> {
    const reader = new DuckDBResultReader(await this.run(sql, params));
    await reader.readAll();
    return reader.getRowObjectsJS() as T[];
  }
}

/**
 * The runtime's state (registry, checkpoints, dead letters, later telemetry): one DuckDB database,
 * a file under the data directory or in memory. Statements run one at a time on one connection,
 * so callers never interleave inside DuckDB; `connect()` opens another, with its own queue, for
 * tables nobody else writes.
 */
export class Database {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly others: Database[] = [];
  private readonly statements: StatementCache;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    readonly path: string,
    private readonly disk: DiskFailures | undefined,
    /** The first connection owns the database: closing it closes every other one, then the file. */
    private readonly owner: boolean,
  ) {
    this.statements = new StatementCache(connection);
  }

  /** `path` is a file, or `:memory:`; `disk` is the fault-injection suite's switch. */
  static async open(path: string, disk?: DiskFailures): Promise<Database> {
    const instance = await DuckDBInstance.create(path);
    return new Database(instance, await instance.connect(), path, disk, true);
  }

  /**
   * Another connection to the same database, with a queue of its own: its statements run beside
   * this one's on DuckDB's threads instead of waiting behind them. For small bookkeeping tables
   * (checkpoints, counters) that only it writes, so the two never conflict on a row.
   */
  async connect(): Promise<Database> {
    const other = new Database(this.instance, await this.instance.connect(), this.path, this.disk, false);
    this.others.push(other);
    return other;
  }

  /** While the disk is "full", writes fail as DuckDB reports it; reads go on. */
  private guard(sql: string): void {
    if (!this.disk?.full || /^\s*(SELECT|WITH|BEGIN|ROLLBACK)\b/i.test(sql)) return;
    const cause = this.disk.noSpace(`${this.path}.wal`);
    throw Object.assign(new Error(`TransactionContext Error: Failed to commit: ${cause.message}`), { cause });
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async run(sql: string, params?: SqlParams): Promise<void> {
    await this.serial(async () => {
      this.guard(sql);
      await this.statements.run(sql, params);
    });
  }

  /** Rows as plain objects; BIGINT columns come back as bigint. */
  async all<T extends Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.serial(async () => {
      this.guard(sql);
      return this.statements.rows<T>(sql, params);
    });
  }

  /** Runs `work` in one transaction; nothing else runs on the connection meanwhile. */
  async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.serial(async () => {
      const tx: Transaction = {
        run: async (sql, params) => {
          this.guard(sql);
          await this.statements.run(sql, params);
        },
        all: async (sql, params) => {
          this.guard(sql);
          return this.statements.rows(sql, params);
        },
        appendTemp: async (table, values) => {
          const appender = await this.connection.createAppender(table, "main", "temp");
          try {
            for (const row of values) {
              for (const value of row) {
                if (typeof value === "string") appender.appendVarchar(value);
                else if (typeof value === "bigint") appender.appendBigInt(value);
                else appender.appendDouble(value);
              }
              appender.endRow();
            }
            appender.flushSync();
          } finally {
            appender.closeSync();
          }
        },
      };
      await this.connection.run("BEGIN TRANSACTION");
      try {
        const result = await work(tx);
        await this.connection.run("COMMIT");
        return result;
      } catch (error) {
        await this.connection.run("ROLLBACK");
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    if (this.owner) await Promise.all(this.others.splice(0).map((other) => other.close()));
    await this.serial(async () => {
      this.connection.closeSync();
      if (this.owner) this.instance.closeSync();
    });
  }
}
