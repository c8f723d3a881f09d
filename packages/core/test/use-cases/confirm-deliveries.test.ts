import { memoryAlarmPorts } from "@fleetline/testing";
import { describe, expect, it } from "vitest";
import { evaluateAlarms } from "../../src/alarms/index.js";
import { type ConfirmPorts, confirmDeliveries } from "../../src/commands/index.js";
import { batch, batteryCritical, robotReport } from "./reports.js";

async function commanded(thing: string) {
  const fixture = memoryAlarmPorts();
  await evaluateAlarms(batch([robotReport(thing, 1, batteryCritical)]), fixture.ports);
  const rejected: Array<{ reason: string; thing?: unknown }> = [];
  const confirm: ConfirmPorts = {
    ledger: fixture.ports.ledger,
    counters: fixture.ports.counters,
    clock: fixture.clock,
    onRejected: (detail) => rejected.push(detail),
  };
  return { ...fixture, confirm, rejected };
}

describe("confirmDeliveries", () => {
  it("delivers a pending command as soon as the device reports its desired state", async () => {
    const { ports, confirm, clock } = await commanded("rb-confirm");
    clock.advance(700);
    const outcome = await confirmDeliveries(
      [{ thing: "rb-confirm", reported: { command: "dock", batteryPct: 4 } }],
      confirm,
    );
    expect(outcome.delivered).toEqual([
      expect.objectContaining({ thing: "rb-confirm", status: "delivered", deliveredAt: clock.now() }),
    ]);
    expect(await ports.ledger.pending("rb-confirm")).toEqual([]);
    expect(await ports.counters.read()).toMatchObject({ commandsDelivered: 1 });
    // Reported again: nothing left to deliver.
    expect(
      (await confirmDeliveries([{ thing: "rb-confirm", reported: { command: "dock" } }], confirm)).delivered,
    ).toEqual([]);
  });

  it("leaves a command pending while the device reports something else, or only desired changed", async () => {
    const { ports, confirm } = await commanded("rb-not-yet");
    await confirmDeliveries(
      [{ thing: "rb-not-yet", reported: { command: "clean" } }, { thing: "rb-not-yet" }],
      confirm,
    );
    expect(await ports.ledger.pending("rb-not-yet")).toHaveLength(1);
  });

  it("counts and reports a malformed document or an unknown thing, and confirms the other devices' anyway", async () => {
    const { ports, confirm, rejected } = await commanded("rb-among");
    const outcome = await confirmDeliveries(
      [
        "not an object",
        { thing: "../etc", reported: { command: "dock" } },
        { thing: "rb-among", reported: "dock" },
        { reported: { command: "dock" } },
        { thing: "rb-nobody", reported: { command: "dock" } },
        { thing: "rb-among", reported: { command: "dock" } },
      ],
      confirm,
    );
    expect(outcome.delivered.map((c) => c.thing)).toEqual(["rb-among"]);
    expect(outcome.rejected).toBe(4);
    expect(rejected.map((r) => r.thing)).toEqual([undefined, "../etc", "rb-among", undefined]);
    expect(rejected[1]?.reason).toContain("not a thing name");
    expect(await ports.counters.read()).toMatchObject({ shadowDocumentsRejected: 4, commandsDelivered: 1 });
  });

  it("tries every document before it throws for a ledger outage, and a retry repeats nothing", async () => {
    const { ports, confirm } = await commanded("rb-outage");
    await evaluateAlarms(batch([robotReport("rb-outage-2", 1, batteryCritical)]), ports);
    ports.ledger.failures.failNext(1, { method: "pending" });
    const documents = [
      { thing: "rb-outage", reported: { command: "dock" } },
      { thing: "rb-outage-2", reported: { command: "dock" } },
    ];
    await expect(confirmDeliveries(documents, confirm)).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
    expect(await ports.ledger.pending("rb-outage-2")).toEqual([]);
    const retried = await confirmDeliveries(documents, confirm);
    expect(retried.delivered.map((c) => c.thing)).toEqual(["rb-outage"]);
  });
});
