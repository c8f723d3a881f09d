import { describe, expect, it } from "vitest";
import type { Presence } from "../src/aws/index.js";
import { type PresenceStore, recordPresence } from "../src/devices/index.js";
import { useFixture } from "./fixture.js";

const T0 = 1_796_000_000_000;

const connected = (thing: string, versionNumber: number, timestamp: number) => ({
  clientId: thing,
  eventType: "connected",
  timestamp,
  versionNumber,
  sessionIdentifier: "s",
  principalIdentifier: thing,
  ipAddress: "10.0.0.1",
});

const disconnected = (thing: string, versionNumber: number, timestamp: number, disconnectReason: string) => ({
  ...connected(thing, versionNumber, timestamp),
  eventType: "disconnected",
  clientInitiatedDisconnect: disconnectReason === "CLIENT_INITIATED_DISCONNECT",
  disconnectReason,
});

/** The behaviour every presence-store adapter must have. */
export function describePresenceStoreContract(
  name: string,
  setup: () => Promise<{ store: PresenceStore; close(): Promise<void> }>,
) {
  describe(`${name} (presence store contract)`, () => {
    const current = useFixture(setup);

    it("keeps the newest presence of each thing, whatever order the events come in", async () => {
      const { store } = current();
      expect(await recordPresence(connected("rb-p1", 5, T0), store)).toBe("recorded");
      expect(
        await recordPresence(disconnected("rb-p1", 5, T0 + 1_000, "MQTT_KEEP_ALIVE_TIMEOUT"), store),
      ).toBe("recorded");
      // Late and duplicated: the connect of the same connection, an older connection's disconnect.
      expect(await recordPresence(connected("rb-p1", 5, T0), store)).toBe("stale");
      expect(await recordPresence(disconnected("rb-p1", 4, T0 - 5_000, "CONNECTION_LOST"), store)).toBe(
        "stale",
      );
      expect(await store.get("rb-p1")).toEqual({
        clientId: "rb-p1",
        connected: false,
        since: T0 + 1_000,
        versionNumber: 5,
        disconnectReason: "MQTT_KEEP_ALIVE_TIMEOUT",
      } satisfies Presence);
      // Back: connected, the last disconnect's reason kept.
      expect(await recordPresence(connected("rb-p1", 6, T0 + 9_000), store)).toBe("recorded");
      expect(await store.get("rb-p1")).toMatchObject({
        connected: true,
        since: T0 + 9_000,
        disconnectReason: "MQTT_KEEP_ALIVE_TIMEOUT",
      });
      expect(await recordPresence({ eventType: "subscribed", clientId: "rb-p1" }, store)).toBe("rejected");
    });

    it("keeps a device's type, looked up once, when its presence is first kept", async () => {
      const { store } = current();
      const asked: string[] = [];
      const typeOf = async (thing: string) => {
        asked.push(thing);
        return "robot" as const;
      };
      await recordPresence(connected("rb-p4", 1, T0), store, typeOf);
      await recordPresence(disconnected("rb-p4", 1, T0 + 1, "CONNECTION_LOST"), store, typeOf);
      expect(asked).toEqual(["rb-p4"]);
      expect(await store.get("rb-p4")).toMatchObject({ type: "robot", connected: false });
      expect((await store.all()).get("rb-p4")).toMatchObject({ type: "robot" });
    });

    it("lets one of several concurrent writers of the same presence win, and keeps every thing's events", async () => {
      const { store } = current();
      const first: Presence = { clientId: "rb-p5", connected: true, since: T0, versionNumber: 1 };
      const racing = await Promise.all(
        [1, 2, 3].map((n) => store.save({ ...first, versionNumber: n }, undefined)),
      );
      expect(racing.filter(Boolean)).toHaveLength(1);
      // A fleet connecting at once: every thing's connect recorded, each read its own.
      const things = Array.from({ length: 40 }, (_, i) => `rb-fleet-${i}`);
      const outcomes = await Promise.all(
        things.map((thing) => recordPresence(connected(thing, 1, T0), store)),
      );
      expect(outcomes).toEqual(things.map(() => "recorded"));
      const read = await Promise.all(things.map((thing) => store.get(thing)));
      expect(read.map((presence) => presence?.clientId)).toEqual(things);
    });

    it("refuses a save whose expected presence moved on, and reads them all at once", async () => {
      const { store } = current();
      const first: Presence = { clientId: "rb-p2", connected: true, since: T0, versionNumber: 1 };
      expect(await store.save(first, undefined)).toBe(true);
      expect(await store.save({ ...first, versionNumber: 2 }, undefined)).toBe(false);
      const second: Presence = {
        ...first,
        connected: false,
        since: T0 + 1,
        disconnectReason: "CONNECTION_LOST",
      };
      expect(await store.save(second, first)).toBe(true);
      expect(await store.save({ ...first, versionNumber: 3 }, first)).toBe(false);
      await store.save({ clientId: "rb-p3", connected: true, since: T0, versionNumber: 1 }, undefined);
      const all = await store.all();
      expect([...all.keys()].sort()).toEqual(["rb-p2", "rb-p3"]);
      expect(all.get("rb-p2")).toEqual(second);
      expect(await store.get("rb-none")).toBeUndefined();
    });
  });
}
