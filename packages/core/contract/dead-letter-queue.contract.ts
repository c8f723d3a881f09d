import { describe, expect, it } from "vitest";
import type { DeadLetterQueue } from "../src/redrive/index.js";
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

    it("lists from a position on, oldest first", async () => {
      for (let n = 1; n <= 4; n++) await current().queue.send({ n }, n * 1_000);
      const [, second] = await current().queue.list(10);
      const after = { at: second?.sentAt as number, id: second?.messageId as string };
      expect((await current().queue.list(10, after)).map((m) => m.body)).toEqual([{ n: 3 }, { n: 4 }]);
      expect((await current().queue.list(1, after)).map((m) => m.body)).toEqual([{ n: 3 }]);
    });

    it("rejects deleting a message it does not have: nothing counts as deleted that was not", async () => {
      const id = await current().queue.send({ n: 1 }, 1_000);
      await current().queue.delete(id);
      await expect(current().queue.delete(id)).rejects.toMatchObject({ code: "NOT_FOUND" });
      expect(await current().queue.count()).toBe(0);
    });
  });
}
