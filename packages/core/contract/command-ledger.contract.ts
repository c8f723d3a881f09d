import { describe, expect, it } from "vitest";
import type { Command, CommandLedger } from "../src/commands/index.js";
import { useFixture } from "./fixture.js";
import { readAllPages } from "./paging.js";

function command(id: string, desired: Record<string, unknown>, overrides: Partial<Command> = {}): Command {
  return {
    id,
    thing: "fs-contract-ledger",
    desired,
    clientToken: `t-${id}`,
    status: "pending",
    createdAt: 1_000,
    expiresAt: 5_000,
    ...overrides,
  };
}

/** The behaviour every command ledger adapter must have: keyed reads and conditional moves. */
export function describeCommandLedgerContract(
  name: string,
  setup: () => Promise<{ ledger: CommandLedger; close(): Promise<void> }>,
) {
  describe(`${name} (command ledger contract)`, () => {
    const current = useFixture(setup);

    it("adds a command once: adding its id again keeps the first", async () => {
      await current().ledger.add(command("c1", { mode: "maintenance" }));
      await current().ledger.add(command("c1", { mode: "other" }, { status: "expired" }));
      expect(await current().ledger.get("c1")).toEqual(command("c1", { mode: "maintenance" }));
      expect(await current().ledger.get("nope")).toBeUndefined();
    });

    it("moves a command only from the status it is in", async () => {
      await current().ledger.add(command("c1", { command: "dock" }));
      const delivered = {
        ...command("c1", { command: "dock" }),
        status: "delivered" as const,
        deliveredAt: 3_000,
      };
      expect(await current().ledger.transition(delivered, "pending")).toBe(true);
      expect(
        await current().ledger.transition({ ...delivered, status: "expired", expiredAt: 6_000 }, "pending"),
      ).toBe(false);
      expect(await current().ledger.get("c1")).toEqual(delivered);
      expect(await current().ledger.transition({ ...delivered, id: "unknown" }, "pending")).toBe(false);
      expect(await current().ledger.get("unknown")).toBeUndefined();
    });

    it("reads a thing's pending commands, oldest first, and no one else's", async () => {
      await current().ledger.add(command("c2", { mode: "maintenance" }, { createdAt: 2_000 }));
      await current().ledger.add(command("c1", { lockedFlavors: ["cola"] }));
      await current().ledger.add(command("c3", { mode: "x" }, { status: "delivered", deliveredAt: 2_500 }));
      await current().ledger.add(command("c4", { mode: "y" }, { thing: "fs-contract-other" }));
      expect((await current().ledger.pending("fs-contract-ledger")).map((c) => c.id)).toEqual(["c1", "c2"]);
      expect(await current().ledger.pending("fs-contract-nobody")).toEqual([]);
    });

    it("reads the pending commands due by a time, soonest deadline first, at most a limit", async () => {
      await current().ledger.add(command("late", { command: "dock" }, { expiresAt: 9_000 }));
      await current().ledger.add(command("due2", { command: "dock" }, { expiresAt: 4_000 }));
      await current().ledger.add(
        command("due1", { command: "dock" }, { expiresAt: 3_000, thing: "rb-other" }),
      );
      await current().ledger.add(
        command("done", { command: "dock" }, { expiresAt: 1_000, status: "expired" }),
      );
      expect((await current().ledger.due(5_000, 10)).map((c) => c.id)).toEqual(["due1", "due2"]);
      expect((await current().ledger.due(5_000, 1)).map((c) => c.id)).toEqual(["due1"]);
      expect(await current().ledger.due(2_000, 10)).toEqual([]);
    });

    it("lists every command a page at a time, newest first, for the fleet or one thing", async () => {
      for (let i = 0; i < 60; i++)
        await current().ledger.add(
          command(
            `m${String(i).padStart(2, "0")}`,
            { command: "dock" },
            {
              createdAt: 1_000 + Math.floor(i / 3),
              ...(i % 2 ? { thing: "rb-contract-odd" } : {}),
            },
          ),
        );
      const all = await readAllPages(
        (request) => current().ledger.page(request),
        25,
        (c) => c.id,
      );
      expect(all.pages).toBe(3);
      expect(all.items.map((c) => c.id)).toEqual(
        Array.from({ length: 60 }, (_, i) => `m${String(59 - i).padStart(2, "0")}`),
      );
      const odd = await readAllPages(
        (request) => current().ledger.page({ ...request, thing: "rb-contract-odd" }),
        7,
        (c) => c.id,
      );
      expect(odd.items).toHaveLength(30);
      expect(odd.items.every((c) => c.thing === "rb-contract-odd")).toBe(true);
      expect(odd.items.map((c) => c.id)).toEqual([...odd.items.map((c) => c.id)].sort().reverse());
    });
  });
}
