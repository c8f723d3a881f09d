import { describe, expect, it } from "vitest";
import {
  type AlarmState,
  type AlertRecord,
  type AlertStore,
  type Effect,
  NEWEST_REPORT,
  stateToSave,
} from "../src/alarms/index.js";
import { RETENTION } from "../src/pipeline/index.js";
import { useFixture } from "./fixture.js";
import { readAllPages } from "./paging.js";

const THING = "fs-contract-alarm";

function alert(id: string, overrides: Partial<AlertRecord> = {}): AlertRecord {
  return {
    id,
    thing: THING,
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

function state(revision: number, open?: AlertRecord, overrides: Partial<AlarmState> = {}): AlarmState {
  return {
    thing: THING,
    code: "CO2_LOW",
    streak: 1,
    quiet: 0,
    lastSeq: revision,
    lastTs: 10_000 + revision,
    revision,
    ...(open ? { alert: open } : {}),
    ...overrides,
  };
}

const publish = (id: string, record: AlertRecord): Effect => ({
  id,
  kind: "publish",
  channel: "mqtt",
  alert: record,
});

/** The behaviour every alert store adapter must have (DuckDB locally, DynamoDB on AWS). */
export function describeAlertStoreContract(
  name: string,
  setup: () => Promise<{ alerts: AlertStore; close(): Promise<void> }>,
) {
  describe(`${name} (alert store contract)`, () => {
    const current = useFixture(setup);

    it("saves with compare-and-set: the second writer of the same revision loses, and writes nothing", async () => {
      const a1 = alert("a1");
      expect(await current().alerts.save({ expectedRevision: 0, next: state(1, a1), alerts: [a1] })).toBe(
        true,
      );
      const a2 = alert("a2");
      expect(await current().alerts.save({ expectedRevision: 0, next: state(1, a2), alerts: [a2] })).toBe(
        false,
      );
      expect(await current().alerts.states(THING)).toEqual([state(1, a1)]);
      expect(await current().alerts.get("a2")).toBeUndefined();
      expect((await current().alerts.page({ limit: 10 })).items.map((a) => a.id)).toEqual(["a1"]);
      const acked = { ...a1, status: "acked" as const, ackedAt: 2_000 };
      expect(
        await current().alerts.save({ expectedRevision: 1, next: state(2, acked), alerts: [acked] }),
      ).toBe(true);
      expect(await current().alerts.get("a1")).toEqual(acked);
    });

    it("saves several alarms at once, each a compare-and-set of its own, with their alert records", async () => {
      const other = "fs-contract-alarm-2";
      const a1 = alert("a1");
      expect(await current().alerts.save({ expectedRevision: 0, next: state(1), alerts: [] })).toBe(true);
      const b1 = alert("b1", { thing: other, code: "LEAK_DETECTED" });
      const won = await current().alerts.saveAll([
        // Stale: the stored revision is 1.
        { expectedRevision: 0, next: state(1, a1), alerts: [a1] },
        { expectedRevision: 0, next: state(1, b1, { thing: other, code: "LEAK_DETECTED" }), alerts: [b1] },
        { expectedRevision: 0, next: state(1, undefined, { code: "NOZZLE_CLOG" }), alerts: [] },
      ]);
      expect(won).toEqual([false, true, true]);
      expect(await current().alerts.get("a1")).toBeUndefined();
      expect(await current().alerts.get("b1")).toEqual(b1);
      const found = await current().alerts.statesOf([THING, other]);
      expect(found.get(THING)?.sort((a, b) => a.code.localeCompare(b.code))).toEqual([
        state(1),
        state(1, undefined, { code: "NOZZLE_CLOG" }),
      ]);
      expect(found.get(other)).toEqual([state(1, b1, { thing: other, code: "LEAK_DETECTED" })]);
      expect(await current().alerts.saveAll([])).toEqual([]);
      await expect(
        current().alerts.saveAll([
          { expectedRevision: 1, next: state(2), alerts: [] },
          { expectedRevision: 1, next: state(2), alerts: [] },
        ]),
      ).rejects.toThrow(/two writes to the alarm/);
    });

    it("reads the states of several things at once: each thing's own, none for a thing without", async () => {
      const other = "fs-contract-alarm-2";
      const mine = state(1);
      const theirs = state(1, undefined, { thing: other, code: "LEAK_DETECTED" });
      const third = state(1, undefined, { code: "NOZZLE_CLOG" });
      for (const next of [mine, theirs, third])
        expect(await current().alerts.save({ expectedRevision: 0, next, alerts: [] })).toBe(true);
      const found = await current().alerts.statesOf([THING, other, "fs-contract-nobody"]);
      expect([...found.keys()].sort()).toEqual([THING, other, "fs-contract-nobody"].sort());
      expect(found.get(THING)?.sort((a, b) => a.code.localeCompare(b.code))).toEqual([mine, third]);
      expect(found.get(other)).toEqual([theirs]);
      expect(found.get("fs-contract-nobody")).toEqual([]);
      expect(await current().alerts.statesOf([])).toEqual(new Map());
    });

    it("keeps a state's outbox, owing time and expiry as saved, and finds the states that owe effects", async () => {
      const a1 = alert("a1");
      const owing = state(1, a1, { outbox: [publish("e1", a1)], owingSince: 5_000 });
      await current().alerts.save({ expectedRevision: 0, next: owing, alerts: [a1] });
      const older = {
        ...state(1, undefined, { code: "LEAK_DETECTED", outbox: [publish("e0", a1)], owingSince: 4_000 }),
      };
      await current().alerts.save({ expectedRevision: 0, next: older, alerts: [] });
      const idle = state(1, undefined, { code: "PUMP_FAILURE", streak: 0, expiresAt: 90_000_000 });
      await current().alerts.save({ expectedRevision: 0, next: idle, alerts: [] });
      expect(await current().alerts.owing(10)).toEqual([older, owing]);
      expect(await current().alerts.owing(1)).toEqual([older]);
      const states = await current().alerts.states(THING);
      expect(states.sort((a, b) => a.code.localeCompare(b.code))).toEqual([owing, older, idle]);
      // Done: the outbox emptied, the state stops owing.
      const settled = state(2, a1);
      expect(await current().alerts.save({ expectedRevision: 1, next: settled, alerts: [] })).toBe(true);
      expect(await current().alerts.owing(10)).toEqual([older]);
    });

    it("keeps a thing's newest report beside its alarms, for the replay horizon, whatever alarm states come and go", async () => {
      const now = 1_764_300_000_000;
      const newest = stateToSave(
        { thing: THING, code: NEWEST_REPORT, streak: 0, quiet: 0, lastSeq: 42, lastTs: now - 5, revision: 1 },
        [],
        now,
      );
      expect(newest.expiresAt).toBe(now + RETENTION.replayHorizonMs);
      await current().alerts.save({ expectedRevision: 0, next: newest, alerts: [] });
      const idle = stateToSave(state(1, undefined, { streak: 0 }), [], now);
      await current().alerts.save({ expectedRevision: 0, next: idle, alerts: [] });
      expect(idle.expiresAt).toBeLessThan(newest.expiresAt as number);
      const states = (await current().alerts.statesOf([THING])).get(THING) ?? [];
      expect(states.find((s) => s.code === NEWEST_REPORT)).toEqual(newest);
      expect(await current().alerts.owing(10)).toEqual([]);
    });

    it("pages alerts newest first, by status, by thing or both, each once", async () => {
      const codes = Array.from({ length: 60 }, (_, i) => `CODE_${String(i).padStart(2, "0")}`);
      for (const [i, code] of codes.entries()) {
        const record = alert(`many-${String(i).padStart(2, "0")}`, {
          code,
          openedAt: 1_000 + Math.floor(i / 2),
          ...(i % 3 === 0 ? { status: "cleared", clearedAt: 5_000 } : {}),
          ...(i % 2 === 0 ? { thing: "rb-contract-even", type: "robot" } : {}),
        });
        await current().alerts.save({
          expectedRevision: 0,
          next: { ...state(1, record.status === "open" ? record : undefined), thing: record.thing, code },
          alerts: [record],
        });
      }
      const all = await readAllPages(
        (request) => current().alerts.page(request),
        25,
        (a) => a.id,
      );
      expect(all.pages).toBe(3);
      expect(all.items.map((a) => a.id)).toEqual(
        codes.map((_, i) => `many-${String(59 - i).padStart(2, "0")}`),
      );
      const open = await readAllPages(
        (request) => current().alerts.page({ ...request, status: "open" }),
        9,
        (a) => a.id,
      );
      expect(open.items).toHaveLength(40);
      expect(open.items.every((a) => a.status === "open")).toBe(true);
      const even = await readAllPages(
        (request) => current().alerts.page({ ...request, thing: "rb-contract-even" }),
        7,
        (a) => a.id,
      );
      expect(even.items).toHaveLength(30);
      const evenCleared = await readAllPages(
        (request) => current().alerts.page({ ...request, thing: "rb-contract-even", status: "cleared" }),
        4,
        (a) => a.id,
      );
      expect(evenCleared.items.map((a) => a.id)).toEqual(
        ["54", "48", "42", "36", "30", "24", "18", "12", "06", "00"].map((n) => `many-${n}`),
      );
      expect((await current().alerts.page({ limit: 5, thing: "someone-else" })).items).toEqual([]);
    });

    it("refuses a cursor it did not hand out", async () => {
      await expect(current().alerts.page({ limit: 10, cursor: "bm90IGEgY3Vyc29y" })).rejects.toMatchObject({
        code: "REQUEST_INVALID",
      });
    });
  });
}
