import { memoryAlarmPorts } from "@fleetline/testing";
import { describe, expect, it } from "vitest";
import { OFFLINE, OFFLINE_AFTER_MS, sweep } from "../../src/alarms/index.js";
import type { DevicePresence } from "../../src/devices/index.js";

describe("the OFFLINE alarm, from the devices' presence", () => {
  it("waits before acting: opens for a device away longer than OFFLINE_AFTER_MS, once, and clears when it is back", async () => {
    const { ports, clock, channels } = memoryAlarmPorts();
    const presences = new Map<string, DevicePresence>();
    const withPresence = { ...ports, presence: { all: async () => new Map(presences) } };
    const t0 = clock.now();
    presences.set("rb-away", {
      clientId: "rb-away",
      connected: false,
      since: t0,
      versionNumber: 3,
      disconnectReason: "MQTT_KEEP_ALIVE_TIMEOUT",
      type: "robot",
    });
    // Back within the wait (a blip, a reboot): nothing.
    presences.set("rb-blip", {
      clientId: "rb-blip",
      connected: false,
      since: t0,
      versionNumber: 1,
      type: "robot",
    });
    clock.advance(OFFLINE_AFTER_MS - 1_000);
    presences.set("rb-blip", {
      clientId: "rb-blip",
      connected: true,
      since: clock.now(),
      versionNumber: 2,
      type: "robot",
    });
    expect((await sweep(withPresence)).offline).toEqual({ raised: 0, cleared: 0 });

    clock.advance(2_000);
    expect((await sweep(withPresence)).offline).toEqual({ raised: 1, cleared: 0 });
    expect((await sweep(withPresence)).offline).toEqual({ raised: 0, cleared: 0 });
    const [open] = (await ports.alerts.page({ status: "open", limit: 10 })).items;
    expect(open).toMatchObject({
      thing: "rb-away",
      type: "robot",
      code: OFFLINE,
      severity: "major",
      status: "open",
      detail: expect.stringContaining("MQTT_KEEP_ALIVE_TIMEOUT"),
    });
    expect(channels.mqtt?.published.map((p) => [p.record.thing, p.record.code, p.record.status])).toEqual([
      ["rb-away", OFFLINE, "open"],
    ]);

    presences.set("rb-away", {
      clientId: "rb-away",
      connected: true,
      since: clock.now(),
      versionNumber: 4,
      type: "robot",
    });
    expect((await sweep(withPresence)).offline).toEqual({ raised: 0, cleared: 1 });
    expect((await ports.alerts.page({ status: "open", limit: 10 })).items).toEqual([]);
    expect(channels.mqtt?.published.at(-1)?.record).toMatchObject({ thing: "rb-away", status: "cleared" });
    expect((await ports.counters.read()).alertsRaised).toBe(1);
  });

  it("raises nothing for a device whose type is not known yet", async () => {
    const { ports, clock } = memoryAlarmPorts();
    const presence = { clientId: "rb-x", connected: false, since: clock.now(), versionNumber: 1 };
    clock.advance(OFFLINE_AFTER_MS * 2);
    expect(
      (await sweep({ ...ports, presence: { all: async () => new Map([["rb-x", presence]]) } })).offline,
    ).toEqual({
      raised: 0,
      cleared: 0,
    });
  });
});
