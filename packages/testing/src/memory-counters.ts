import { COUNTER_NAMES, type Counters, type CounterValues } from "@fleetline/core/pipeline";
import { FailureSwitches, type WithFailures, withFailures } from "./failure-switches.js";

/** The pipeline's counters in memory. */
export class MemoryCounters implements Counters {
  private readonly values = Object.fromEntries(COUNTER_NAMES.map((name) => [name, 0])) as CounterValues;

  static create(): WithFailures<MemoryCounters> {
    return withFailures(new MemoryCounters(), new FailureSwitches("STORE_UNAVAILABLE"));
  }

  async add(increments: Partial<CounterValues>): Promise<void> {
    for (const [name, n] of Object.entries(increments)) this.values[name as keyof CounterValues] += n ?? 0;
  }

  async read(): Promise<CounterValues> {
    return { ...this.values };
  }
}
