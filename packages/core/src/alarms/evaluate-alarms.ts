import { decodeUtf8 } from "../common/bytes.js";
import { fleetlineError } from "../common/errors.js";
import type { BatchOutcome, StreamInput } from "../pipeline/batch-input.js";
import { count } from "../pipeline/counters.js";
import { isAfter, type RecordPosition } from "../telemetry/record-identity.js";
import { TelemetryRecord } from "../telemetry/schema/telemetry.js";
import { type AlarmState, conditionsOf, stateToSave, stepAlarm } from "./alarm-machine.js";
import type { AlarmPorts } from "./alarm-ports.js";
import { ALARM_ACTIONS, FLAVOR_LOCK, NEWEST_REPORT, NEWEST_REPORT_STEP_MS } from "./alarm-rules.js";
import type { AlertRecord } from "./alert.js";
import type { AlarmWrite } from "./alert-store.js";
import type { Effect } from "./effects.js";
import { claimed, commandEffect, isClaimed, publishEffects, settleOutbox } from "./outbox.js";

function decode(input: StreamInput): TelemetryRecord | undefined {
  try {
    const parsed = TelemetryRecord.safeParse(JSON.parse(decodeUtf8(input.data) ?? ""));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

interface Change {
  alerts: AlertRecord[];
  effects: Effect[];
}

/** The last version of each alert: a batch can raise and clear the same alarm. */
function latestOf(alerts: readonly AlertRecord[]): AlertRecord[] {
  return [...new Map(alerts.map((alert) => [alert.id, alert])).values()];
}

/** The state to save with new effects: holding its outbox for this invocation, unless another settler does. */
function holding(state: AlarmState, ports: AlarmPorts): AlarmState {
  const now = ports.clock.now();
  return isClaimed(state, now) ? state : claimed(state, now);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

/**
 * Locks the flavors whose cartridge reads 0 % (docs/guide/operate.md, "Alarms"), unless the shadow already asks
 * for it or a command still owed does: the command is owed by the thing's flavor-lock state.
 */
async function lockEmptyFlavors(
  thing: string,
  records: readonly TelemetryRecord[],
  lock: AlarmState | undefined,
  ports: AlarmPorts,
): Promise<{ state: AlarmState; effect: Effect } | undefined> {
  const empty = new Set<string>();
  for (const record of records) {
    if (record.type !== "freestyle") continue;
    for (const [flavor, level] of Object.entries(record.metrics.cartridges))
      if (level === 0) empty.add(flavor);
  }
  if (empty.size === 0) return undefined;
  const shadow = await ports.shadows.get(thing);
  const asked = new Set(strings(shadow?.state.desired?.lockedFlavors));
  for (const owed of lock?.outbox ?? [])
    if (owed.kind === "command")
      for (const flavor of strings(owed.command.desired.lockedFlavors)) asked.add(flavor);
  const missing = [...empty].filter((flavor) => !asked.has(flavor));
  if (missing.length === 0) return undefined;
  const effect = commandEffect(thing, { lockedFlavors: [...asked, ...missing].sort() }, ports);
  const base: AlarmState = lock ?? {
    thing,
    code: FLAVOR_LOCK,
    streak: 0,
    quiet: 0,
    lastSeq: -1,
    revision: 0,
  };
  const state = {
    ...holding(stateToSave(base, [effect], ports.clock.now()), ports),
    revision: base.revision + 1,
  };
  if (!(await ports.alerts.save({ expectedRevision: base.revision, next: state, alerts: [] })))
    throw fleetlineError(
      "CONCURRENT_UPDATE",
      `the flavor lock of ${thing} changed meanwhile; the batch is retried`,
    );
  return { state, effect };
}

/**
 * Evaluates one thing's records: its alarms' states saved, their effects carried out. Returns the
 * write of the thing's newest report, if one is due, for the batch to save with the others'.
 */
async function evaluateThing(
  thing: string,
  batch: TelemetryRecord[],
  states: readonly AlarmState[],
  ports: AlarmPorts,
): Promise<AlarmWrite | undefined> {
  // What an earlier invocation left owing goes first: a thing's effects keep their order.
  const stored = new Map<string, AlarmState>();
  for (const state of states) {
    stored.set(state.code, state.outbox?.length ? await settleOutbox(state, ports) : state);
  }
  const lock = stored.get(FLAVOR_LOCK);
  stored.delete(FLAVOR_LOCK);
  const known = stored.get(NEWEST_REPORT);
  stored.delete(NEWEST_REPORT);
  const newest = newestReport(batch, [known, ...stored.values(), lock]);
  const records = newest.fresh;
  if (records.length === 0) return undefined;

  const working = new Map<string, AlarmState | undefined>(stored);
  const changes = new Map<string, Change>();
  for (const record of records) {
    const conditions = conditionsOf(record);
    for (const code of new Set([...working.keys(), ...conditions.keys()])) {
      const step = stepAlarm(working.get(code), code, conditions.get(code), record, ports.newId);
      if (!step.changed || !step.next) continue;
      working.set(code, step.next);
      const change = changes.get(code) ?? { alerts: [], effects: [] };
      changes.set(code, change);
      if (!step.event) continue;
      const { alert } = step.event;
      change.alerts.push(alert);
      change.effects.push(...publishEffects(alert, ports));
      const desired = step.event.kind === "raised" ? ALARM_ACTIONS[alert.type][alert.code] : undefined;
      if (desired) change.effects.push(commandEffect(thing, desired, ports));
    }
  }

  // Each alarm's state, its alert records and the effects it now owes: one compare-and-set write.
  const fresh = new Set<string>();
  const owing: AlarmState[] = [];
  let raised = 0;
  for (const [code, change] of changes) {
    const expected = stored.get(code)?.revision ?? 0;
    const saved = stateToSave(working.get(code) as AlarmState, change.effects, ports.clock.now());
    const next = { ...(change.effects.length > 0 ? holding(saved, ports) : saved), revision: expected + 1 };
    const current = next.alert;
    const alerts = latestOf(current ? [...change.alerts, current] : change.alerts);
    if (!(await ports.alerts.save({ expectedRevision: expected, next, alerts })))
      throw fleetlineError(
        "CONCURRENT_UPDATE",
        `alarm ${thing}/${code} changed meanwhile; the batch is retried`,
      );
    for (const effect of change.effects) fresh.add(effect.id);
    if (change.effects.length > 0 && !isClaimed(saved, ports.clock.now())) owing.push(next);
    raised += change.alerts.filter((alert) => alert.status === "open").length;
  }
  if (raised > 0) await count(ports, { alertsRaised: raised });

  const locked = await lockEmptyFlavors(thing, records, lock, ports);
  if (locked) {
    fresh.add(locked.effect.id);
    if (!lock || !isClaimed(lock, ports.clock.now())) owing.push(locked.state);
  }
  // Each was saved holding its outbox (unless another settler holds it, which carries it out).
  for (const state of owing) await settleOutbox(state, ports, fresh, true);
  // Last: were it saved before the alarms' states and they failed, the retry would find nothing new.
  return newestReportWrite(thing, known, newest.position, ports, changes.size > 0 || locked !== undefined);
}

/**
 * The reports of a batch that come after every report the alarms evaluated for the thing before —
 * a replay, or a late report from before them, is stored but acts on nothing — and the newest.
 * A device that reboots counts `seq` from 0 again at a later `ts`: its reports come after.
 */
function newestReport(
  records: readonly TelemetryRecord[],
  states: ReadonlyArray<AlarmState | undefined>,
): { fresh: TelemetryRecord[]; position: RecordPosition | undefined } {
  let position: RecordPosition | undefined;
  for (const state of states)
    if (state?.lastTs !== undefined && state.lastSeq >= 0) {
      const at = { seq: state.lastSeq, ts: state.lastTs };
      if (position === undefined || isAfter(at, position)) position = at;
    }
  const fresh: TelemetryRecord[] = [];
  for (const record of records)
    if (position === undefined || isAfter(record, position)) {
      fresh.push(record);
      position = { seq: record.seq, ts: record.ts };
    }
  return { fresh, position };
}

/**
 * The write of the thing's newest report when an alarm state changed with it (so no state outlives
 * the newest report it evaluated), or when it moved NEWEST_REPORT_STEP_MS on in device time: one
 * write per thing every few minutes, not one per report.
 */
function newestReportWrite(
  thing: string,
  known: AlarmState | undefined,
  position: RecordPosition | undefined,
  ports: AlarmPorts,
  changed: boolean,
): AlarmWrite | undefined {
  if (position === undefined || (known?.lastTs === position.ts && known.lastSeq === position.seq))
    return undefined;
  const moved = known?.lastTs === undefined || position.ts - known.lastTs >= NEWEST_REPORT_STEP_MS;
  if (!changed && !moved) return undefined;
  const base: AlarmState = known ?? {
    thing,
    code: NEWEST_REPORT,
    streak: 0,
    quiet: 0,
    lastSeq: -1,
    revision: 0,
  };
  const next = {
    ...stateToSave({ ...base, lastSeq: position.seq, lastTs: position.ts }, [], ports.clock.now()),
    revision: base.revision + 1,
  };
  return { expectedRevision: base.revision, next, alerts: [] };
}

/**
 * The alerts function's work (docs/guide/operate.md, "Alarms"): alarm state per (thing, code) from the validated
 * records; on each raise and clear, the alert record and the effects it owes — the record
 * published on every channel, the alarm's shadow command — saved with the state, then carried
 * out. A record fails (for the event source to retry) only when its state could not be saved:
 * an effect that fails stays owed and is finished later, by the thing's next invocation or the
 * schedule's sweep. A record that is not a canonical record fails as poison (dead-lettered).
 */
export async function evaluateAlarms(
  inputs: readonly StreamInput[],
  ports: AlarmPorts,
): Promise<BatchOutcome> {
  const failed = new Map<string, Error>();
  const byThing = new Map<string, Array<{ id: string; record: TelemetryRecord }>>();
  for (const input of inputs) {
    const record = decode(input);
    if (!record) {
      failed.set(input.id, fleetlineError("RECORD_INVALID", "not a canonical telemetry record"));
      continue;
    }
    const list = byThing.get(record.thing) ?? [];
    list.push({ id: input.id, record });
    byThing.set(record.thing, list);
  }
  // The batch's states in one read; each save is still a compare-and-set, so a state read here
  // that another writer changes meanwhile fails its thing's records, for the event source to retry.
  let states: Map<string, AlarmState[]>;
  try {
    states = await ports.alerts.statesOf([...byThing.keys()]);
  } catch (cause) {
    const error = cause instanceof Error ? cause : new Error(String(cause));
    for (const items of byThing.values()) for (const item of items) failed.set(item.id, error);
    return { failed };
  }
  const newest: AlarmWrite[] = [];
  const fail = (thing: string, cause: unknown) => {
    const error = cause instanceof Error ? cause : new Error(String(cause));
    for (const item of byThing.get(thing) ?? []) failed.set(item.id, error);
  };
  for (const [thing, items] of byThing) {
    try {
      const write = await evaluateThing(
        thing,
        items.map((item) => item.record),
        states.get(thing) ?? [],
        ports,
      );
      if (write) newest.push(write);
    } catch (cause) {
      fail(thing, cause);
    }
  }
  // The things' newest reports together: a fleet reporting for the first time is one write per thing.
  try {
    const won = await ports.alerts.saveAll(newest);
    newest.forEach(({ next }, i) => {
      if (!won[i])
        fail(
          next.thing,
          fleetlineError(
            "CONCURRENT_UPDATE",
            `the newest report of ${next.thing} changed meanwhile; the batch is retried`,
          ),
        );
    });
  } catch (cause) {
    for (const { next } of newest) fail(next.thing, cause);
  }
  return { failed };
}
