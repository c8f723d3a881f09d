import { COUNTER_NAMES, type Counters, type CounterValues } from "@fleetline/core/pipeline";
import type { BookkeepingJournal } from "./bookkeeping-journal.js";

/** The pipeline's totals in the bookkeeping journal, so `/api/stats` survives a restart. */
export class JournalCounters implements Counters {
  constructor(private readonly journal: BookkeepingJournal) {}

  /**
   * Adds increments; resolves once they are durable. Increments that arrive while a round is
   * under way are summed and written together by the next one, with the checkpoints: under load
   * the functions' counters cost a share of one fsync, not a write per batch.
   */
  add(increments: Partial<CounterValues>): Promise<void> {
    const counts = Object.entries(increments).filter(([, n]) => n !== undefined && n !== 0) as Array<
      [string, number]
    >;
    return counts.length === 0 ? Promise.resolve() : this.journal.add({ counts });
  }

  async read(): Promise<CounterValues> {
    const totals = this.journal.totals();
    return Object.fromEntries(COUNTER_NAMES.map((name) => [name, totals.get(name) ?? 0])) as CounterValues;
  }
}
