import { describe, expect, it } from "vitest";
import type { DeadLetterQueue } from "../src/index.js";
import { useFixture } from "./fixture.js";

/** The behaviour every dead-letter queue adapter must have. */
export function describeDeadLetterQueueContract(
  name: string,
  setup: () => Promise<{ queue: DeadLetterQueue; close(): Promise<void> }>,
) {
  describe(`${name} (dead-letter queue contract)`, () => {
    const current = useFixture(setup);

    it("keeps messages oldest first until they are deleted", async () => {
      const first = await current().queue.send({ n: 1 }, 1_000);
      await current().queue.send({ n: 2 }, 2_000);
      expect(await current().queue.count()).toBe(2);
      expect((await current().queue.list(10)).map((m) => m.body)).toEqual([{ n: 1 }, { n: 2 }]);
      await current().queue.delete(first);
      expect((await current().queue.list(10)).map((m) => m.body)).toEqual([{ n: 2 }]);
    });
  });
}
