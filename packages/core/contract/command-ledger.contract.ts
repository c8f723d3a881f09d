import { describe, expect, it } from "vitest";
import type { Command, CommandLedger } from "../src/index.js";
import { useFixture } from "./fixture.js";

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

/** The behaviour every command ledger adapter must have. */
export function describeCommandLedgerContract(
  name: string,
  setup: () => Promise<{ ledger: CommandLedger; close(): Promise<void> }>,
) {
  describe(`${name} (command ledger contract)`, () => {
    const current = useFixture(setup);

    it("delivers a pending command once the reported state matches its desired state", async () => {
      await current().ledger.add(command("c1", { mode: "maintenance" }));
      await current().ledger.add(command("c2", { lockedFlavors: ["cola"] }, { createdAt: 2_000 }));
      expect(await current().ledger.markDelivered("fs-contract-ledger", { mode: "idle" }, 3_000)).toEqual([]);
      const delivered = await current().ledger.markDelivered(
        "fs-contract-ledger",
        { mode: "maintenance", lockedFlavors: ["cola"] },
        3_000,
      );
      expect(delivered.map((c) => c.id).sort()).toEqual(["c1", "c2"]);
      expect(await current().ledger.list({ thing: "fs-contract-ledger" })).toEqual([
        {
          ...command("c2", { lockedFlavors: ["cola"] }, { createdAt: 2_000 }),
          status: "delivered",
          deliveredAt: 3_000,
        },
        { ...command("c1", { mode: "maintenance" }), status: "delivered", deliveredAt: 3_000 },
      ]);
    });

    it("expires pending commands past their deadline, and only those", async () => {
      await current().ledger.add(command("c1", { command: "dock" }));
      await current().ledger.add(command("c2", { command: "dock" }, { expiresAt: 9_000 }));
      expect((await current().ledger.expire(5_000)).map((c) => c.id)).toEqual(["c1"]);
      expect(await current().ledger.expire(5_000)).toEqual([]);
      expect((await current().ledger.list({})).find((c) => c.id === "c1")?.status).toBe("expired");
    });

    it("lists and expires every command, however many there are", async () => {
      for (let i = 0; i < 60; i++)
        await current().ledger.add(command(`m${i}`, { command: "dock" }, { createdAt: 1_000 + i }));
      expect(await current().ledger.list({ thing: "fs-contract-ledger" })).toHaveLength(60);
      const all = await current().ledger.list({});
      expect(all.map((c) => c.createdAt)).toEqual(Array.from({ length: 60 }, (_, i) => 1_059 - i));
      expect(await current().ledger.expire(5_000)).toHaveLength(60);
    });
  });
}
