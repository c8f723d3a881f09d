import { describe, expect, it } from "vitest";
import type { AlarmState, AlertRecord, AlertStore } from "../src/index.js";
import { useFixture } from "./fixture.js";

function alert(id: string, overrides: Partial<AlertRecord> = {}): AlertRecord {
  return {
    id,
    thing: "fs-contract-alarm",
    type: "freestyle",
    code: "CO2_LOW",
    severity: "major",
    status: "open",
    openedAt: 1_000,
    occurrences: 1,
    lastSeenAt: 1_000,
    ...overrides,
  };
}

function state(revision: number, open?: AlertRecord): AlarmState {
  return {
    thing: "fs-contract-alarm",
    code: "CO2_LOW",
    streak: 1,
    quiet: 0,
    lastSeq: revision,
    revision,
    ...(open ? { alert: open } : {}),
  };
}

/** The behaviour every alert store adapter must have (DuckDB locally, DynamoDB on AWS). */
export function describeAlertStoreContract(
  name: string,
  setup: () => Promise<{ alerts: AlertStore; close(): Promise<void> }>,
) {
  describe(`${name} (alert store contract)`, () => {
    const current = useFixture(setup);

    it("saves with compare-and-set: the second writer of the same revision loses", async () => {
      const a1 = alert("a1");
      expect(await current().alerts.save("fs-contract-alarm", "CO2_LOW", state(1, a1), 0, [a1])).toBe(true);
      expect(
        await current().alerts.save("fs-contract-alarm", "CO2_LOW", state(1, alert("a2")), 0, [alert("a2")]),
      ).toBe(false);
      expect(await current().alerts.states("fs-contract-alarm")).toEqual([state(1, a1)]);
      expect((await current().alerts.list({})).map((a) => a.id)).toEqual(["a1"]);
    });

    it("acks an open alarm once, refuses to ack a cleared one, and knows nothing of unknown ids", async () => {
      const a1 = alert("a1");
      await current().alerts.save("fs-contract-alarm", "CO2_LOW", state(1, a1), 0, [a1]);
      expect(await current().alerts.ack("a1", 2_000)).toMatchObject({ status: "acked", ackedAt: 2_000 });
      expect(await current().alerts.ack("a1", 3_000)).toMatchObject({ status: "acked", ackedAt: 2_000 });
      const [stored] = await current().alerts.states("fs-contract-alarm");
      expect(stored?.alert?.status).toBe("acked");
      expect(stored?.revision).toBe(2);
      expect(await current().alerts.ack("nope", 1)).toBeUndefined();
      const cleared = alert("a0", { status: "cleared", clearedAt: 500, openedAt: 100 });
      await current().alerts.save(
        "fs-contract-alarm",
        "CO2_LOW",
        state(3, alert("a1", { status: "acked", ackedAt: 2_000 })),
        2,
        [cleared],
      );
      await expect(current().alerts.ack("a0", 4_000)).rejects.toMatchObject({ code: "CONFLICT" });
    });

    it("lists every alert and state, however many there are", async () => {
      const codes = Array.from({ length: 60 }, (_, i) => `CODE_${i}`);
      for (const [i, code] of codes.entries()) {
        const open = alert(`many-${i}`, { code, openedAt: 1_000 + i });
        await current().alerts.save("fs-contract-alarm", code, { ...state(1, open), code }, 0, [open]);
      }
      const listed = await current().alerts.list({ status: "open" });
      expect(listed.map((a) => a.openedAt)).toEqual(codes.map((_, i) => 1_059 - i));
      expect(await current().alerts.states("fs-contract-alarm")).toHaveLength(60);
    });

    it("lists by status and thing, newest first, and forgets a state saved as undefined", async () => {
      await current().alerts.save("fs-contract-alarm", "CO2_LOW", state(1, alert("a1")), 0, [
        alert("a1"),
        alert("old", { status: "cleared", openedAt: 10 }),
      ]);
      expect((await current().alerts.list({ status: "cleared" })).map((a) => a.id)).toEqual(["old"]);
      expect((await current().alerts.list({ thing: "fs-contract-alarm" })).map((a) => a.id)).toEqual([
        "a1",
        "old",
      ]);
      expect(await current().alerts.list({ thing: "someone-else" })).toEqual([]);
      expect(await current().alerts.save("fs-contract-alarm", "CO2_LOW", undefined, 1, [])).toBe(true);
      expect(await current().alerts.states("fs-contract-alarm")).toEqual([]);
      expect(await current().alerts.get("a1")).toMatchObject({ id: "a1" });
    });
  });
}
