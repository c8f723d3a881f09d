import { RETENTION } from "../pipeline/retention.js";
import { isAfter } from "../telemetry/record-identity.js";
import type { Severity } from "../telemetry/schema/fault.js";
import type { TelemetryRecord } from "../telemetry/schema/telemetry.js";
import { alarmRule, NEWEST_REPORT } from "./alarm-rules.js";
import type { AlertRecord } from "./alert.js";
import type { Effect } from "./effects.js";

/** What the store keeps per (thing, alarm code): the counters behind raise/clear, and the open alarm. */
export interface AlarmState {
  thing: string;
  code: string;
  /** Consecutive reports with the condition. */
  streak: number;
  /** Consecutive reports without it while an alarm is open. */
  quiet: number;
  /**
   * The newest report evaluated (`seq` and device time `ts`): replays and late arrivals are not
   * counted twice, and a device that rebooted (its `seq` starting again, at a later time) is not
   * mistaken for a replay. States saved before `lastTs` existed compare by `seq` alone.
   */
  lastSeq: number;
  lastTs?: number;
  /** The open or acked alarm, if any. */
  alert?: AlertRecord;
  /** Bumped on every save, for compare-and-set. */
  revision: number;
  /** The effects this state still owes, in order (see `Effect`). */
  outbox?: Effect[];
  /** When the oldest effect still owed was added: the schedule finishes the longest-waiting first. */
  owingSince?: number;
  /**
   * Until when one settler holds the outbox (`settleOutbox`): taken with compare-and-set before any
   * effect is carried out, so two settlers never carry out the same effect at once.
   */
  claimedUntil?: number;
  /**
   * When the store may forget this state: set while it is idle (no alarm, no streak, nothing
   * owed), `RETENTION.idleAlarmStateMs` after it became so (a thing's NEWEST_REPORT state:
   * `RETENTION.replayHorizonMs`).
   */
  expiresAt?: number;
}

/** An idle state only remembers the newest report it evaluated, against replays. */
export function isIdle(state: AlarmState): boolean {
  return state.alert === undefined && state.streak === 0 && (state.outbox?.length ?? 0) === 0;
}

/**
 * The state as it is written at `now`, with `effects` added to its outbox: the bookkeeping of
 * `owingSince` and `expiresAt` follows from what it holds.
 */
export function stateToSave(state: AlarmState, effects: readonly Effect[], now: number): AlarmState {
  const outbox = [...(state.outbox ?? []), ...effects];
  const { outbox: _outbox, owingSince, expiresAt: _expiresAt, ...rest } = state;
  const next: AlarmState = { ...rest };
  if (outbox.length > 0) {
    next.outbox = outbox;
    next.owingSince = owingSince ?? now;
  }
  if (isIdle(next))
    next.expiresAt =
      now + (state.code === NEWEST_REPORT ? RETENTION.replayHorizonMs : RETENTION.idleAlarmStateMs);
  return next;
}

export interface Condition {
  severity: Severity;
  detail?: string;
}

/** The conditions a record shows: its faults, and a robot whose state is `stuck`. */
export function conditionsOf(record: TelemetryRecord): Map<string, Condition> {
  const conditions = new Map<string, Condition>();
  for (const fault of record.faults) {
    const condition: Condition = { severity: fault.severity };
    if (fault.detail !== undefined) condition.detail = fault.detail;
    conditions.set(fault.code, condition);
  }
  if (record.type === "robot" && record.metrics.state === "stuck" && !conditions.has("STUCK")) {
    conditions.set("STUCK", { severity: "major", detail: "robot reports state stuck" });
  }
  return conditions;
}

export interface AlarmStep {
  /** The state to keep; undefined when there is none and the report starts none. */
  next: AlarmState | undefined;
  event?: { kind: "raised" | "cleared"; alert: AlertRecord };
  changed: boolean;
}

/**
 * One report's effect on one alarm (docs/guide/operate.md, "Alarms"): raise → ack → clear, deduplicated by
 * (thing, code) so a repeated fault only counts occurrences, with hysteresis on both edges. A
 * cleared alarm's state stays, idle, remembering the newest report it evaluated: a replay of an
 * older report is recognised as one. Reports without the condition do not change an idle state.
 */
export function stepAlarm(
  state: AlarmState | undefined,
  code: string,
  condition: Condition | undefined,
  record: TelemetryRecord,
  newId: () => string,
): AlarmStep {
  const rule = alarmRule(code);
  const base: AlarmState = state ?? {
    thing: record.thing,
    code,
    streak: 0,
    quiet: 0,
    lastSeq: -1,
    revision: 0,
  };
  const fresh =
    base.lastTs === undefined
      ? record.seq > base.lastSeq
      : isAfter(record, { seq: base.lastSeq, ts: base.lastTs });
  if (!fresh) return { next: state, changed: false };
  const next: AlarmState = { ...base, lastSeq: record.seq, lastTs: record.ts };
  const at = record.receivedAt;

  if (condition) {
    next.streak = base.streak + 1;
    next.quiet = 0;
    if (next.alert) {
      next.alert = { ...next.alert, occurrences: next.alert.occurrences + 1, lastSeenAt: at };
      return { next, changed: true };
    }
    if (next.streak >= rule.raiseAfter) {
      const alert: AlertRecord = {
        id: newId(),
        thing: record.thing,
        type: record.type,
        code,
        severity: rule.severity ?? condition.severity,
        status: "open",
        openedAt: at,
        occurrences: 1,
        lastSeenAt: at,
        ...(condition.detail !== undefined ? { detail: condition.detail } : {}),
      };
      next.alert = alert;
      return { next, event: { kind: "raised", alert }, changed: true };
    }
    return { next, changed: true };
  }

  if (!base.alert && base.streak === 0) return { next: state, changed: false };
  next.streak = 0;
  if (!next.alert) return { next, changed: true };
  next.quiet = base.quiet + 1;
  if (next.quiet < rule.clearAfter) return { next, changed: true };
  const cleared: AlertRecord = { ...next.alert, status: "cleared", clearedAt: at };
  return {
    next: { ...next, alert: undefined, quiet: 0 },
    event: { kind: "cleared", alert: cleared },
    changed: true,
  };
}
