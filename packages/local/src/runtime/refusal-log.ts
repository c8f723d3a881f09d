import { forgetOldest } from "../lib/forget-oldest.js";

/** How often one client's refusals of one kind are logged, at most. */
const LOG_EVERY_MS = 60_000;
/** Client and kind pairs remembered at most. */
const MAX_KEYS = 20_000;

/**
 * Which broker refusals to log: the first of each kind for each client, then at most one a minute
 * with how many came since. A device throttled many times a second (or a fleet the pipeline is too
 * far behind for) would otherwise write a log line per message — the logging itself the overload.
 * Every refusal is counted all the same (`/api/health`, the broker's `refusals`).
 */
export class RefusalLog {
  private readonly last = new Map<string, { at: number; since: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Whether to log this refusal now, and how many of its kind went unlogged before it. */
  take(clientId: string, refusal: string): { log: boolean; unlogged: number } {
    const key = `${refusal} ${clientId}`;
    const now = this.now();
    const seen = this.last.get(key);
    if (seen && now - seen.at < LOG_EVERY_MS) {
      seen.since += 1;
      return { log: false, unlogged: 0 };
    }
    // Kept in the order each was last logged, so forgetting stops at the first one still fresh.
    this.last.delete(key);
    this.forgetOld(now);
    this.last.set(key, { at: now, since: 0 });
    return { log: true, unlogged: seen?.since ?? 0 };
  }

  /** Drops what was logged over a minute ago, and the oldest past the bound (a flood of one-off ids). */
  private forgetOld(now: number): void {
    // Room for the one about to be added.
    forgetOldest(this.last, (seen) => now - seen.at < LOG_EVERY_MS, MAX_KEYS - 1);
  }
}
