import { COUNTER_NAMES, type Counters, type CounterValues } from "@fleetline/core";
import type { Database } from "../state/database.js";

/** The pipeline's totals in DuckDB, so `/api/stats` survives a restart. */
export class DuckDbCounters implements Counters {
  private constructor(private readonly db: Database) {}

  static async open(db: Database): Promise<DuckDbCounters> {
    await db.run("CREATE TABLE IF NOT EXISTS counters (name VARCHAR PRIMARY KEY, value BIGINT NOT NULL)");
    return new DuckDbCounters(db);
  }

  async add(increments: Partial<CounterValues>): Promise<void> {
    const changes = Object.entries(increments).filter(([, n]) => n !== undefined && n !== 0);
    if (changes.length === 0) return;
    await this.db.transaction(async (tx) => {
      for (const [name, n] of changes) {
        await tx.run(
          `INSERT INTO counters VALUES ($name, $n) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value`,
          { name, n: BigInt(n as number) },
        );
      }
    });
  }

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
