import type { CounterName, Counters } from "@fleetline/core";

/**
 * Collects hot-path increments in memory and writes them in one go every `intervalMs`. A write that
 * fails keeps its increments for the next one, and is reported, never thrown at the timer.
 */
export class CounterBuffer {
  private pending: Partial<Record<CounterName, number>> = {};
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly counters: Counters,
    private readonly onError: (error: unknown) => void,
    intervalMs = 250,
  ) {
    this.timer = setInterval(() => {
      this.flush().catch(onError);
    }, intervalMs);
    this.timer.unref();
  }

  add(name: CounterName, n = 1): void {
    this.pending[name] = (this.pending[name] ?? 0) + n;
  }

  async flush(): Promise<void> {
    const increments = this.pending;
    this.pending = {};
    if (Object.keys(increments).length === 0) return;
    try {
      await this.counters.add(increments);
    } catch (error) {
      for (const [name, n] of Object.entries(increments) as Array<[CounterName, number]>) this.add(name, n);
      throw error;
    }
  }

  /** Stops the timer and writes what is left; what cannot be written is reported. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(this.onError);
  }
}
