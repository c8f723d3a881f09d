import { manualClock } from "@fleetline/core/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../src/runtime/runtime.js";
import { connectDevice, startRuntime, waitFor } from "./helpers.js";

let runtime: Runtime;
const clock = manualClock(Date.now());

beforeAll(async () => {
  runtime = await startRuntime({}, clock);
});

afterAll(async () => {
  await runtime?.stop();
});

interface Alert {
  thing: string;
  code: string;
  status: string;
  detail?: string;
}

const offlineAlerts = async (status: string) =>
  ((await (await fetch(`${runtime.urls.http}/api/alerts?status=${status}`)).json()) as Alert[]).filter(
    (a) => a.thing === "rb-off-1" && a.code === "OFFLINE",
  );

const presence = async () =>
  (await (await fetch(`${runtime.urls.http}/api/devices/rb-off-1`)).json()) as Record<string, unknown>;

describe("the OFFLINE alarm of fleetline dev", () => {
  it("opens for a device that stayed away past the wait, on the sweep, and clears once it is back", async () => {
    const { token } = await runtime.registry.register("rb-off-1", "robot");
    const device = await connectDevice(runtime.urls.mqtt, "rb-off-1", token);
    const received: string[] = [];
    device.on("message", (_topic, payload) => received.push(payload.toString()));
    await device.endAsync();
    await waitFor(async () => (await presence()).disconnectedSince !== undefined, "its disconnect kept");

    // Within the wait: nothing.
    clock.advance(60_000);
    await runtime.sweep();
    expect(await offlineAlerts("open")).toEqual([]);
    clock.advance(5 * 60_000);
    expect((await runtime.sweep())?.offline).toEqual({ raised: 1, cleared: 0 });
    expect(await offlineAlerts("open")).toEqual([
      expect.objectContaining({
        status: "open",
        detail: expect.stringContaining("CLIENT_INITIATED_DISCONNECT"),
      }),
    ]);

    // Back: its alert record comes on its alerts topic, and the sweep clears the alarm.
    const back = await connectDevice(runtime.urls.mqtt, "rb-off-1", token);
    back.on("message", (_topic, payload) => received.push(payload.toString()));
    await back.subscribeAsync("alerts/fleetline/robot/rb-off-1", { qos: 1 });
    await waitFor(async () => (await presence()).connectedSince !== undefined, "its connect kept");
    expect((await runtime.sweep())?.offline).toEqual({ raised: 0, cleared: 1 });
    expect(await offlineAlerts("open")).toEqual([]);
    expect(await offlineAlerts("cleared")).toHaveLength(1);
    await waitFor(() => received.some((r) => JSON.parse(r).status === "cleared"), "the cleared record");
    await back.endAsync();
  });
});
