import { memoryAlarmPorts } from "@fleetline/testing";
import { describe, expect, it } from "vitest";
import { COMMAND_TTL_MS, evaluateAlarms, sweep } from "../../src/alarms/index.js";
import { batch, batteryCritical, robotReport } from "./reports.js";

describe("sweep", () => {
  it("expires the commands of an idle fleet once their deadline passes, and only those", async () => {
    const { ports, clock } = memoryAlarmPorts();
    await evaluateAlarms(batch([robotReport("rb-idle-1", 1, batteryCritical)]), ports);
    clock.advance(60_000);
    await evaluateAlarms(batch([robotReport("rb-idle-2", 1, batteryCritical)]), ports);
    clock.advance(COMMAND_TTL_MS - 30_000);
    expect(await sweep(ports)).toMatchObject({ expired: 1, delivered: 0 });
    expect((await ports.ledger.page({ limit: 10, thing: "rb-idle-1" })).items).toEqual([
      expect.objectContaining({ status: "expired", expiredAt: clock.now() }),
    ]);
    expect(await ports.ledger.pending("rb-idle-2")).toHaveLength(1);
    clock.advance(60_000);
    expect(await sweep(ports)).toMatchObject({ expired: 1 });
    expect(await sweep(ports)).toMatchObject({ expired: 0 });
    expect(await ports.counters.read()).toMatchObject({ commandsExpired: 2 });
  });

  it("delivers a command at its deadline when the shadow shows it after all (the confirmation was lost)", async () => {
    const { ports, clock } = memoryAlarmPorts();
    await evaluateAlarms(batch([robotReport("rb-late", 1, batteryCritical)]), ports);
    await ports.shadows.update("rb-late", { state: { reported: { command: "dock" } } });
    clock.advance(COMMAND_TTL_MS);
    expect(await sweep(ports)).toMatchObject({ delivered: 1, expired: 0 });
    expect((await ports.ledger.page({ limit: 10 })).items[0]).toMatchObject({ status: "delivered" });
  });

  it("leaves a due command for the next sweep when the shadow cannot be read", async () => {
    const { ports, clock } = memoryAlarmPorts();
    await evaluateAlarms(batch([robotReport("rb-unreadable", 1, batteryCritical)]), ports);
    clock.advance(COMMAND_TTL_MS);
    ports.shadows.failures.failNext(1, { method: "get" });
    expect(await sweep(ports)).toMatchObject({ skipped: 1, expired: 0 });
    expect(await sweep(ports)).toMatchObject({ expired: 1 });
  });

  it("finishes the effects every owing state still owes, and reports what still fails", async () => {
    const { ports, channels } = memoryAlarmPorts();
    channels.mqtt?.failures.failNext(3, { method: "publish" });
    for (const thing of ["rb-owe-1", "rb-owe-2", "rb-owe-3"])
      await evaluateAlarms(batch([robotReport(thing, 1, batteryCritical)]), ports);
    expect(await ports.alerts.owing(10)).toHaveLength(3);
    channels.mqtt?.failures.failNext(1, { method: "publish" });
    expect(await sweep(ports)).toMatchObject({ settled: 2, stillOwing: 1 });
    expect(await sweep(ports)).toMatchObject({ settled: 1, stillOwing: 0 });
    expect(channels.mqtt?.published.map((p) => p.record.thing).sort()).toEqual([
      "rb-owe-1",
      "rb-owe-2",
      "rb-owe-3",
    ]);
  });
});
