import type { DuckDBValue } from "@duckdb/node-api";
import type { DiskFailures } from "../lib/disk-failures.js";
import { DatabaseThread, type Step } from "./database-thread.js";

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
  /**
   * Several statements sent to the database thread together and run in order: one crossing of the
   * thread (and one turn of each event loop) instead of one per statement. Answers the rows of each
   * `all` step, in order.
   */
  steps(steps: readonly TransactionStep[]): Promise<Array<Array<Record<string, unknown>>>>;
}

/**
 * A statement of `Transaction.steps` or `Database.atomically`. An append goes to a temporary table
 * unless `into: "main"` names one of the database's own tables.
 */
export type TransactionStep =
  | { op: "run" | "all"; sql: string; params?: SqlParams }
  | { op: "append"; table: string; rows: ReadonlyArray<readonly AppendValue[]>; into?: "temp" | "main" };

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
   * this one's on DuckDB's threads instead of waiting behind them. For tables only it writes (the
   * store's, the alerts'), so the two never conflict on a row.
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

  /**
   * Runs `work` in one transaction; nothing else runs on the connection meanwhile. BEGIN goes to the
   * thread with the transaction's first statements, COMMIT (or ROLLBACK) after its work.
   */
  async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.serial(async () => {
      let begun = false;
      const send = (steps: readonly Step[]) => {
        for (const step of steps) if (step.op !== "append") this.guard(step.sql);
        const all = begun ? steps : [{ op: "run" as const, sql: "BEGIN TRANSACTION" }, ...steps];
        begun = true;
        return this.thread.call<Array<Array<Record<string, unknown>>>>({
          op: "steps",
          connection: this.connection,
          steps: all,
        });
      };
      const tx: Transaction = {
        run: async (sql, params) => {
          await send([{ op: "run", sql, params }]);
        },
        all: async <R>(sql: string, params?: SqlParams) =>
          ((await send([{ op: "all", sql, params }]))[0] ?? []) as R[],
        appendTemp: async (table, rows) => {
          await send([{ op: "append", table, rows }]);
        },
        steps: (steps) => send(steps),
      };
      try {
        const result = await work(tx);
        if (begun) await this.execute("COMMIT");
        return result;
      } catch (error) {
        if (begun) await this.execute("ROLLBACK");
        throw error;
      }
    });
  }

  /**
   * Runs `steps` as one transaction in one crossing of the database thread — BEGIN, the steps,
   * COMMIT — and answers the rows of each `all` step. If any step fails, nothing of them stays
   * (ROLLBACK) and the step's error is raised.
   */
  async atomically(steps: readonly TransactionStep[]): Promise<Array<Array<Record<string, unknown>>>> {
    return this.serial(async () => {
      const all: Step[] = [{ op: "run", sql: "BEGIN TRANSACTION" }, ...steps, { op: "run", sql: "COMMIT" }];
      for (const step of all) if (step.op !== "append") this.guard(step.sql);
      try {
        return await this.thread.call<Array<Array<Record<string, unknown>>>>({
          op: "steps",
          connection: this.connection,
          steps: all,
        });
      } catch (error) {
        // Failed before its COMMIT: the transaction is still open (aborted); end it. A failed
        // COMMIT has ended it already, and this ROLLBACK's own refusal says nothing new.
        await this.execute("ROLLBACK").catch(() => undefined);
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
