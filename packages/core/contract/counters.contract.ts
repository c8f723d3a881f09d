import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Counters } from "../src/index.js";

/** The behaviour every counters adapter must have. */
export function describeCountersContract(
  name: string,
  setup: () => Promise<{ counters: Counters; close(): Promise<void> }>,
) {
  describe(`${name} (counters contract)`, () => {
    let fixture: Awaited<ReturnType<typeof setup>>;
    beforeEach(async () => {
      fixture = await setup();
    });
    afterEach(async () => {
      await fixture.close();
    });

    it("starts every counter at zero and adds increments", async () => {
      expect(await fixture.counters.read()).toMatchObject({ received: 0, valid: 0, stored: 0 });
      await fixture.counters.add({ received: 3, valid: 2 });
      await fixture.counters.add({ valid: 1, rejected: 0 });
      expect(await fixture.counters.read()).toMatchObject({ received: 3, valid: 3, rejected: 0 });
    });
  });
}
