import { COUNTER_NAMES, type Counters, type CounterValues } from "@fleetline/core/pipeline";
import type { Database } from "./database.js";
import { GroupCommit } from "./group-commit.js";
import { rowsOf } from "./sql-placeholders.js";

/** The pipeline's totals in DuckDB, so `/api/stats` survives a restart. */
export class DuckDbCounters implements Counters {
  private constructor(private readonly db: Database) {}

  static async open(db: Database): Promise<DuckDbCounters> {
    await db.run("CREATE TABLE IF NOT EXISTS counters (name VARCHAR PRIMARY KEY, value BIGINT NOT NULL)");
    return new DuckDbCounters(db);
  }

  /**
   * Adds increments; resolves once they are written. Increments that arrive while a write is
   * under way are summed and written together, in one statement (a group commit): under load the
   * functions' counters cost one write, not one per batch.
   */
  add(increments: Partial<CounterValues>): Promise<void> {
    const changes = Object.entries(increments).filter(([, n]) => n !== undefined && n !== 0);
    return this.writes.add(changes as Array<[string, number]>);
  }

  private readonly writes = new GroupCommit<number>(
    (sums) =>
      this.db.run(
        `INSERT INTO counters VALUES ${rowsOf(sums.size, 2)} ` +
          "ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
        [...sums].flatMap(([name, n]) => [name, BigInt(n)]),
      ),
    (a, b) => a + b,
  );

  async read(): Promise<CounterValues> {
    const rows = await this.db.all<{ name: string; value: bigint }>("SELECT name, value FROM counters");
    const values = Object.fromEntries(COUNTER_NAMES.map((name) => [name, 0])) as CounterValues;
    for (const row of rows) {
      if ((COUNTER_NAMES as readonly string[]).includes(row.name))
        values[row.name as keyof CounterValues] = Number(row.value);
    }
    return values;
  }
}
