import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AlarmState, AlertRecord, AlertStore } from "../src/index.js";

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
    let fixture: Awaited<ReturnType<typeof setup>>;
    beforeEach(async () => {
      fixture = await setup();
    });
    afterEach(async () => {
      await fixture.close();
    });

    it("saves with compare-and-set: the second writer of the same revision loses", async () => {
      const a1 = alert("a1");
      expect(await fixture.alerts.save("fs-contract-alarm", "CO2_LOW", state(1, a1), 0, [a1])).toBe(true);
      expect(
        await fixture.alerts.save("fs-contract-alarm", "CO2_LOW", state(1, alert("a2")), 0, [alert("a2")]),
      ).toBe(false);
      expect(await fixture.alerts.states("fs-contract-alarm")).toEqual([state(1, a1)]);
      expect((await fixture.alerts.list({})).map((a) => a.id)).toEqual(["a1"]);
    });

    it("acks an open alarm once, refuses to ack a cleared one, and knows nothing of unknown ids", async () => {
      const a1 = alert("a1");
      await fixture.alerts.save("fs-contract-alarm", "CO2_LOW", state(1, a1), 0, [a1]);
      expect(await fixture.alerts.ack("a1", 2_000)).toMatchObject({ status: "acked", ackedAt: 2_000 });
      expect(await fixture.alerts.ack("a1", 3_000)).toMatchObject({ status: "acked", ackedAt: 2_000 });
      const [stored] = await fixture.alerts.states("fs-contract-alarm");
      expect(stored?.alert?.status).toBe("acked");
      expect(stored?.revision).toBe(2);
      expect(await fixture.alerts.ack("nope", 1)).toBeUndefined();
      const cleared = alert("a0", { status: "cleared", clearedAt: 500, openedAt: 100 });
      await fixture.alerts.save(
        "fs-contract-alarm",
        "CO2_LOW",
        state(3, alert("a1", { status: "acked", ackedAt: 2_000 })),
        2,
        [cleared],
      );
      await expect(fixture.alerts.ack("a0", 4_000)).rejects.toMatchObject({ code: "CONFLICT" });
    });

    it("lists by status and thing, newest first, and forgets a state saved as undefined", async () => {
      await fixture.alerts.save("fs-contract-alarm", "CO2_LOW", state(1, alert("a1")), 0, [
        alert("a1"),
        alert("old", { status: "cleared", openedAt: 10 }),
      ]);
      expect((await fixture.alerts.list({ status: "cleared" })).map((a) => a.id)).toEqual(["old"]);
      expect((await fixture.alerts.list({ thing: "fs-contract-alarm" })).map((a) => a.id)).toEqual([
        "a1",
        "old",
      ]);
      expect(await fixture.alerts.list({ thing: "someone-else" })).toEqual([]);
      expect(await fixture.alerts.save("fs-contract-alarm", "CO2_LOW", undefined, 1, [])).toBe(true);
      expect(await fixture.alerts.states("fs-contract-alarm")).toEqual([]);
      expect(await fixture.alerts.get("a1")).toMatchObject({ id: "a1" });
    });
  });
}
