import { COUNTER_NAMES, type Counters, type CounterValues } from "@fleetline/core";
import { Faults, type WithFaults, withFaults } from "./faults.js";

/** The pipeline's counters in memory. */
export class MemoryCounters implements Counters {
  private readonly values = Object.fromEntries(COUNTER_NAMES.map((name) => [name, 0])) as CounterValues;

  static create(): WithFaults<MemoryCounters> {
    return withFaults(new MemoryCounters(), new Faults("STORE_UNAVAILABLE"));
  }

  async add(increments: Partial<CounterValues>): Promise<void> {
    for (const [name, n] of Object.entries(increments)) this.values[name as keyof CounterValues] += n ?? 0;
  }

  async read(): Promise<CounterValues> {
    return { ...this.values };
  }
}
