import { memoryAlarmPorts } from "@fleetline/testing";
import { describe, expect, it, vi } from "vitest";
import { ackAlert, evaluateAlarms, sweep } from "../../src/alarms/index.js";
import { batch, batteryCritical, robotReport } from "./reports.js";

async function raised(thing: string) {
  const fixture = memoryAlarmPorts();
  await evaluateAlarms(batch([robotReport(thing, 1, batteryCritical)]), fixture.ports);
  const [alert] = (await fixture.ports.alerts.page({ limit: 1 })).items;
  if (!alert) throw new Error("no alert raised");
  return { ...fixture, alert };
}

describe("ackAlert", () => {
  it("acks an open alarm once, in its state and its record, and publishes it on every channel", async () => {
    const { ports, channels, clock, alert } = await raised("rb-ack");
    clock.advance(5_000);
    const acked = await ackAlert(alert.id, ports);
    expect(acked).toMatchObject({ id: alert.id, status: "acked", ackedAt: clock.now() });
    expect(await ackAlert(alert.id, ports)).toEqual(acked);
    expect(await ports.alerts.get(alert.id)).toEqual(acked);
    const [state] = await ports.alerts.states("rb-ack");
    expect(state?.alert).toEqual(acked);
    expect(channels.mqtt?.published.map((p) => p.record.status)).toEqual(["open", "acked"]);
    expect(channels.sns?.published.map((p) => p.record.status)).toEqual(["open", "acked"]);
  });

  it("knows nothing of an unknown id, and refuses to ack a cleared alarm", async () => {
    const { ports, alert } = await raised("rb-ack-cleared");
    expect(await ackAlert("nope", ports)).toBeUndefined();
    await evaluateAlarms(batch([2, 3, 4].map((seq) => robotReport("rb-ack-cleared", seq))), ports);
    await expect(ackAlert(alert.id, ports)).rejects.toMatchObject({ code: "CONFLICT", kind: "poison" });
  });

  it("keeps the ack when the channel fails, and publishes it once when the sweep comes", async () => {
    const { ports, channels, alert } = await raised("rb-ack-owed");
    channels.sns?.failures.failNext(1, { method: "publish" });
    expect(await ackAlert(alert.id, ports)).toMatchObject({ status: "acked" });
    expect(await ports.alerts.owing(10)).toHaveLength(1);
    await sweep(ports);
    expect(channels.sns?.published.map((p) => p.record.status)).toEqual(["open", "acked"]);
    expect(channels.mqtt?.published.map((p) => p.record.status)).toEqual(["open", "acked"]);
    expect(await ports.alerts.owing(10)).toEqual([]);
  });

  it("reads again and retries when the alarm changes under it, and says so when it keeps changing", async () => {
    const { ports, alert } = await raised("rb-ack-race");
    const save = vi.spyOn(ports.alerts, "save").mockResolvedValueOnce(false);
    expect(await ackAlert(alert.id, ports)).toMatchObject({ status: "acked" });
    const other = await raised("rb-ack-busy");
    vi.spyOn(other.ports.alerts, "save").mockResolvedValue(false);
    await expect(ackAlert(other.alert.id, other.ports)).rejects.toMatchObject({
      code: "CONCURRENT_UPDATE",
      kind: "transient",
    });
    save.mockRestore();
  });

  it("answers a store outage as transient, for the caller to retry", async () => {
    const { ports, alert } = await raised("rb-ack-down");
    ports.alerts.failures.failNext(1, { method: "get" });
    await expect(ackAlert(alert.id, ports)).rejects.toMatchObject({
      code: "STORE_UNAVAILABLE",
      kind: "transient",
    });
    expect(await ackAlert(alert.id, ports)).toMatchObject({ status: "acked" });
  });
});
