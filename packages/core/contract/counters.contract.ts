import { describe, expect, it } from "vitest";
import type { Counters } from "../src/pipeline/index.js";
import { useFixture } from "./fixture.js";

/** The behaviour every counters adapter must have. */
export function describeCountersContract(
  name: string,
  setup: () => Promise<{ counters: Counters; close(): Promise<void> }>,
) {
  describe(`${name} (counters contract)`, () => {
    const current = useFixture(setup);

    it("starts every counter at zero and adds increments", async () => {
      expect(await current().counters.read()).toMatchObject({ received: 0, valid: 0, stored: 0 });
      await current().counters.add({ received: 3, valid: 2 });
      await current().counters.add({ valid: 1, rejected: 0 });
      expect(await current().counters.read()).toMatchObject({ received: 3, valid: 3, rejected: 0 });
    });
  });
}
