import type { DuckDBValue } from "@duckdb/node-api";
import type { DiskFailures } from "../lib/disk-failures.js";
import { DatabaseThread } from "./database-thread.js";

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

/**
 * The runtime's state (registry, checkpoints, dead letters, later telemetry): one DuckDB database,
 * a file under the data directory or in memory, owned by a thread of its own (`DatabaseThread`).
 * Statements run one at a time on one connection, so callers never interleave inside DuckDB;
 * `connect()` opens another, with its own queue, for tables nobody else writes.
 */
export class Database {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly others: Database[] = [];

  private constructor(
    private readonly thread: DatabaseThread,
    private readonly connection: number,
    readonly path: string,
    private readonly disk: DiskFailures | undefined,
    /** The first connection owns the database: closing it closes every other one, then the file. */
    private readonly owner: boolean,
  ) {}

  /** `path` is a file, or `:memory:`; `disk` is the fault-injection suite's switch. */
  static async open(path: string, disk?: DiskFailures): Promise<Database> {
    const thread = await DatabaseThread.open(path);
    const connection = await thread.call<number>({ op: "connect" });
    return new Database(thread, connection, path, disk, true);
  }

  /**
   * Another connection to the same database, with a queue of its own: its statements run beside
   * this one's on DuckDB's threads instead of waiting behind them. For small bookkeeping tables
   * (checkpoints, counters) that only it writes, so the two never conflict on a row.
   */
  async connect(): Promise<Database> {
    const connection = await this.thread.call<number>({ op: "connect" });
    const other = new Database(this.thread, connection, this.path, this.disk, false);
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
      await this.execute(sql, params);
    });
  }

  /** Statements with parameters are prepared once per connection and run again with new values. */
  private execute(sql: string, params?: SqlParams): Promise<void> {
    return this.thread.call({ op: "run", connection: this.connection, sql, params });
  }

  private rows<T>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.thread.call({ op: "all", connection: this.connection, sql, params });
  }

  /** Rows as plain objects; BIGINT columns come back as bigint. */
  async all<T extends Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.serial(async () => {
      this.guard(sql);
      return this.rows<T>(sql, params);
    });
  }

  /** Runs `work` in one transaction; nothing else runs on the connection meanwhile. */
  async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.serial(async () => {
      const tx: Transaction = {
        run: async (sql, params) => {
          this.guard(sql);
          await this.execute(sql, params);
        },
        all: async (sql, params) => {
          this.guard(sql);
          return this.rows(sql, params);
        },
        appendTemp: (table, rows) =>
          this.thread.call({ op: "append", connection: this.connection, table, rows }),
      };
      await this.execute("BEGIN TRANSACTION");
      try {
        const result = await work(tx);
        await this.execute("COMMIT");
        return result;
      } catch (error) {
        await this.execute("ROLLBACK");
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    if (this.owner) await Promise.all(this.others.splice(0).map((other) => other.close()));
    await this.serial(async () => {
      if (this.owner) await this.thread.close();
      else await this.thread.call({ op: "disconnect", connection: this.connection });
    });
  }
}
