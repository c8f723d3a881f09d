import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DeadLetterQueue } from "../src/index.js";

/** The behaviour every dead-letter queue adapter must have. */
export function describeDeadLetterQueueContract(
  name: string,
  setup: () => Promise<{ queue: DeadLetterQueue; close(): Promise<void> }>,
) {
  describe(`${name} (dead-letter queue contract)`, () => {
    let fixture: Awaited<ReturnType<typeof setup>>;
    beforeEach(async () => {
      fixture = await setup();
    });
    afterEach(async () => {
      await fixture.close();
    });

    it("keeps messages oldest first until they are deleted", async () => {
      const first = await fixture.queue.send({ n: 1 }, 1_000);
      await fixture.queue.send({ n: 2 }, 2_000);
      expect(await fixture.queue.count()).toBe(2);
      expect((await fixture.queue.list(10)).map((m) => m.body)).toEqual([{ n: 1 }, { n: 2 }]);
      await fixture.queue.delete(first);
      expect((await fixture.queue.list(10)).map((m) => m.body)).toEqual([{ n: 2 }]);
    });
  });
}
