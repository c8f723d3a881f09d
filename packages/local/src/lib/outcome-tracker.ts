import type { HealthStatus } from "@fleetline/core/pipeline";

/** A failure is "recent" (the component is degraded) for this long after it happened. */
export const RECENT_MS = 60_000;
/** This many failures in a row, with no success since, and the component is down. */
export const DOWN_AFTER_FAILURES = 3;

/** Successes and failures of one component's operations, and the status they add up to. */
export class OutcomeTracker {
  successes = 0;
  failures = 0;
  consecutiveFailures = 0;
  lastFailure: { at: number; message: string } | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  success(): void {
    this.successes += 1;
    this.consecutiveFailures = 0;
  }

  failure(error: unknown): void {
    this.failures += 1;
    this.consecutiveFailures += 1;
    this.lastFailure = { at: this.now(), message: error instanceof Error ? error.message : String(error) };
  }

  /** Runs `operation`, counting how it ended; its result or error passes through. */
  async track<T>(operation: () => Promise<T>): Promise<T> {
    try {
      const result = await operation();
      this.success();
      return result;
    } catch (error) {
      this.failure(error);
      throw error;
    }
  }

  status(): HealthStatus {
    if (this.consecutiveFailures >= DOWN_AFTER_FAILURES) return "down";
    if (this.lastFailure && this.now() - this.lastFailure.at < RECENT_MS) return "degraded";
    return "ok";
  }

  /** What went wrong last, as one line, when it still matters. */
  problem(): string | undefined {
    if (this.status() === "ok" || !this.lastFailure) return undefined;
    const ago = Math.round((this.now() - this.lastFailure.at) / 1000);
    const streak = this.consecutiveFailures > 0 ? `${this.consecutiveFailures} failed in a row, ` : "";
    return `${streak}last failure ${ago} s ago: ${this.lastFailure.message}`;
  }

  metrics(): Record<string, number | string | null> {
    return {
      successes: this.successes,
      failures: this.failures,
      lastFailureAt: this.lastFailure?.at ?? null,
      lastFailure: this.lastFailure?.message ?? null,
    };
  }
}
