import { COUNTER_NAMES, type Counters, type CounterValues } from "@fleetline/core";
import type { Database } from "../state/database.js";

/** The pipeline's totals in DuckDB, so `/api/stats` survives a restart. */
export class DuckDbCounters implements Counters {
  private constructor(private readonly db: Database) {}

  static async open(db: Database): Promise<DuckDbCounters> {
    await db.run("CREATE TABLE IF NOT EXISTS counters (name VARCHAR PRIMARY KEY, value BIGINT NOT NULL)");
    return new DuckDbCounters(db);
  }

  /**
   * Adds increments; resolves once they are written. Increments that arrive while a write is
   * under way are summed and written together, in one transaction and one statement (a group
   * commit): under load the functions' counters cost one write, not one per batch.
   */
  add(increments: Partial<CounterValues>): Promise<void> {
    const changes = Object.entries(increments).filter(([, n]) => n !== undefined && n !== 0);
    if (changes.length === 0) return Promise.resolve();
    const next = this.next ?? { sums: new Map<string, number>(), waiters: [] };
    this.next = next;
    for (const [name, n] of changes) next.sums.set(name, (next.sums.get(name) ?? 0) + (n as number));
    const written = new Promise<void>((resolve, reject) => next.waiters.push({ resolve, reject }));
    if (!this.writing) this.writing = this.drain();
    return written;
  }

  private next:
    | { sums: Map<string, number>; waiters: Array<{ resolve(): void; reject(error: unknown): void }> }
    | undefined;
  private writing: Promise<void> | undefined;

  private async drain(): Promise<void> {
    while (this.next) {
      const { sums, waiters } = this.next;
      this.next = undefined;
      const rows = [...sums];
      try {
        await this.db.run(
          `INSERT INTO counters VALUES ${rows.map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(", ")} ` +
            "ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
          rows.flatMap(([name, n]) => [name, BigInt(n)]),
        );
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of waiters) waiter.reject(error);
      }
    }
    this.writing = undefined;
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
