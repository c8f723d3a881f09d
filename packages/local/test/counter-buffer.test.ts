import type { CounterName, Counters, CounterValues } from "@fleetline/core";
import { describe, expect, it } from "vitest";
import { CounterBuffer } from "../src/runtime/counter-buffer.js";
import { waitFor } from "./helpers.js";

/** Counters whose writes fail while `failing` is on. */
function flakyCounters() {
  const written: Partial<Record<CounterName, number>> = {};
  const counters = {
    failing: true,
    async add(increments: Partial<Record<CounterName, number>>) {
      if (counters.failing) throw new Error("No space left on device");
      for (const [name, n] of Object.entries(increments) as Array<[CounterName, number]>) {
        written[name] = (written[name] ?? 0) + n;
      }
    },
    async read() {
      return written as CounterValues;
    },
  };
  return { counters: counters as Counters & { failing: boolean }, written };
}

describe("the counter buffer", () => {
  it("keeps increments a failed write could not store, reports the failure, and writes them later", async () => {
    const { counters, written } = flakyCounters();
    const errors: unknown[] = [];
    const buffer = new CounterBuffer(counters, (error) => errors.push(error), 10);
    buffer.add("received", 3);
    await waitFor(() => errors.length >= 2, "two failed flushes");
    buffer.add("received", 2);
    counters.failing = false;
    await waitFor(() => written.received === 5, "the kept increments written");
    await buffer.stop();
    expect(written).toEqual({ received: 5 });
  });

  it("reports what it cannot write when it stops, without throwing", async () => {
    const { counters } = flakyCounters();
    const errors: unknown[] = [];
    const buffer = new CounterBuffer(counters, (error) => errors.push(error), 60_000);
    buffer.add("received");
    await expect(buffer.stop()).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
  });
});
