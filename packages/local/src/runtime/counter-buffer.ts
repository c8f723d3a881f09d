import type { CounterName, Counters } from "@fleetline/core";

/** Collects hot-path increments in memory and writes them in one go every `intervalMs`. */
export class CounterBuffer {
  private pending: Partial<Record<CounterName, number>> = {};
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly counters: Counters,
    intervalMs = 250,
  ) {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  add(name: CounterName, n = 1): void {
    this.pending[name] = (this.pending[name] ?? 0) + n;
  }

  async flush(): Promise<void> {
    const increments = this.pending;
    this.pending = {};
    if (Object.keys(increments).length > 0) await this.counters.add(increments);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
