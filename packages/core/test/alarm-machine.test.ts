import { describe, expect, it } from "vitest";
import { type AlarmState, conditionsOf, stepAlarm, type TelemetryRecord } from "../src/index.js";

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
    expect(state).toBeUndefined();
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
});
