import { describe, expect, it } from "vitest";
import { type AlarmState, conditionsOf, isIdle, stateToSave, stepAlarm } from "../src/alarms/index.js";
import { RETENTION } from "../src/pipeline/index.js";
import type { TelemetryRecord } from "../src/telemetry/index.js";

let ids = 0;
const newId = () => `alert-${++ids}`;

function robot(seq: number, state: string, faults: TelemetryRecord["faults"] = []): TelemetryRecord {
  return {
    thing: "rb-machine",
    type: "robot",
    seq,
    ts: 1_000 + seq,
    receivedAt: 2_000 + seq,
    messageId: `m${seq}`,
    metrics: {
      batteryPct: 50,
      state: state as "cleaning",
      binFull: false,
      x: 0,
      y: 0,
      areaM2: 0,
      rssiDbm: -50,
    },
    faults,
  } as TelemetryRecord;
}

/** Runs reports through the machine for one code; returns the events in order. */
function run(code: string, reports: TelemetryRecord[]) {
  let state: AlarmState | undefined;
  const events: string[] = [];
  for (const record of reports) {
    const step = stepAlarm(state, code, conditionsOf(record).get(code), record, newId);
    state = step.next;
    if (step.event) events.push(`${step.event.kind}@${record.seq}`);
  }
  return { state, events };
}

const battery = [{ code: "BATTERY_CRITICAL" as const, severity: "critical" as const }];

describe("the alarm state machine", () => {
  it("raises on the first report of a fault and counts repeats as occurrences of the same alarm", () => {
    const { state, events } = run(
      "BATTERY_CRITICAL",
      [1, 2, 3].map((s) => robot(s, "cleaning", battery)),
    );
    expect(events).toEqual(["raised@1"]);
    expect(state?.alert).toMatchObject({
      status: "open",
      occurrences: 3,
      severity: "critical",
      openedAt: 2_001,
      lastSeenAt: 2_003,
    });
  });

  it("clears after 3 reports without the fault, once", () => {
    const reports = [robot(1, "cleaning", battery), ...[2, 3, 4, 5].map((s) => robot(s, "cleaning"))];
    const { state, events } = run("BATTERY_CRITICAL", reports);
    expect(events).toEqual(["raised@1", "cleared@4"]);
    // Idle, it remembers the newest report it changed on, against replays.
    expect(state && isIdle(state)).toBe(true);
    expect(state).toMatchObject({ streak: 0, quiet: 0, lastSeq: 4 });
  });

  it("does not re-raise a value that flaps on and off", () => {
    const reports = [1, 2, 3, 4, 5, 6, 7].map((s) => robot(s, "cleaning", s % 2 ? battery : []));
    expect(run("BATTERY_CRITICAL", reports).events).toEqual(["raised@1"]);
  });

  it("raises STUCK as major only when a robot is stuck for more than 2 reports", () => {
    const { state, events } = run(
      "STUCK",
      [1, 2, 3].map((s) => robot(s, "stuck")),
    );
    expect(events).toEqual(["raised@3"]);
    expect(state?.alert?.severity).toBe("major");
    expect(
      run("STUCK", [robot(1, "stuck"), robot(2, "stuck"), robot(3, "cleaning"), robot(4, "stuck")]).events,
    ).toEqual([]);
  });

  it("ignores a replayed or late report", () => {
    const first = robot(5, "cleaning", battery);
    const { state } = run("BATTERY_CRITICAL", [first]);
    const replay = stepAlarm(
      state,
      "BATTERY_CRITICAL",
      conditionsOf(first).get("BATTERY_CRITICAL"),
      first,
      newId,
    );
    expect(replay).toEqual({ next: state, changed: false });
  });

  it("counts the reports of a device that rebooted, whose seq starts again at a later time", () => {
    const before = [5, 6].map((s) => robot(s, "cleaning", battery));
    // After the reboot seq starts at 0 again, but the device clock has moved on.
    const after = [0, 1].map((s) => ({ ...robot(s, "cleaning", battery), ts: 10_000 + s }));
    const { state, events } = run("BATTERY_CRITICAL", [...before, ...after]);
    expect(events).toEqual(["raised@5"]);
    expect(state?.alert?.occurrences).toBe(4);
    expect(state).toMatchObject({ lastSeq: 1, lastTs: 10_001 });
  });

  it("ignores a late report from before a reboot, although its seq is higher", () => {
    const rebooted = { ...robot(0, "cleaning", battery), ts: 10_000 };
    const { state } = run("BATTERY_CRITICAL", [rebooted]);
    const late = robot(7, "cleaning", battery);
    const step = stepAlarm(
      state,
      "BATTERY_CRITICAL",
      conditionsOf(late).get("BATTERY_CRITICAL"),
      late,
      newId,
    );
    expect(step).toEqual({ next: state, changed: false });
  });

  it("compares a state saved without a device time by seq alone", () => {
    const saved: AlarmState = {
      thing: "rb-machine",
      code: "STUCK",
      streak: 1,
      quiet: 0,
      lastSeq: 4,
      revision: 3,
    };
    const older = robot(4, "stuck");
    expect(stepAlarm(saved, "STUCK", conditionsOf(older).get("STUCK"), older, newId).changed).toBe(false);
    const newer = robot(5, "stuck");
    expect(stepAlarm(saved, "STUCK", conditionsOf(newer).get("STUCK"), newer, newId).next).toMatchObject({
      streak: 2,
      lastSeq: 5,
      lastTs: 1_005,
    });
  });

  it("does not raise a cleared alarm again for a replay of the report that raised it", () => {
    const reports = [robot(1, "cleaning", battery), ...[2, 3, 4].map((s) => robot(s, "cleaning"))];
    const { state } = run("BATTERY_CRITICAL", reports);
    const replay = reports[0] as TelemetryRecord;
    const step = stepAlarm(
      state,
      "BATTERY_CRITICAL",
      conditionsOf(replay).get("BATTERY_CRITICAL"),
      replay,
      newId,
    );
    expect(step).toEqual({ next: state, changed: false });
    // Reports without the fault leave an idle state as it is: nothing to write.
    expect(stepAlarm(state, "BATTERY_CRITICAL", undefined, robot(9, "cleaning"), newId).changed).toBe(false);
  });

  it("keeps what a state owes with it, and lets the store forget it only once idle", () => {
    const { state } = run("BATTERY_CRITICAL", [robot(1, "cleaning", battery)]);
    const alert = state?.alert as NonNullable<AlarmState["alert"]>;
    const effect = { id: "e1", kind: "publish" as const, channel: "mqtt", alert };
    const owing = stateToSave(state as AlarmState, [effect], 50_000);
    expect(owing).toMatchObject({ outbox: [effect], owingSince: 50_000 });
    expect(owing.expiresAt).toBeUndefined();
    const more = stateToSave(owing, [{ ...effect, id: "e2" }], 60_000);
    expect(more.owingSince).toBe(50_000);
    const idle = stateToSave({ ...owing, alert: undefined, streak: 0, outbox: [] }, [], 70_000);
    expect(idle).not.toHaveProperty("outbox");
    expect(idle).not.toHaveProperty("owingSince");
    expect(idle.expiresAt).toBe(70_000 + RETENTION.idleAlarmStateMs);
  });
});
