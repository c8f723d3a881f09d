import { type AlarmState, conditionsOf, stepAlarm } from "../alarms/alarm-machine.js";
import { ALARM_ACTIONS, COMMAND_TTL_MS } from "../alarms/alarm-rules.js";
import { decodeUtf8 } from "../bytes.js";
import { fleetlineError } from "../errors.js";
import type { AlertPublisher } from "../ports/alert-publisher.js";
import type { AlertStore } from "../ports/alert-store.js";
import type { Clock } from "../ports/clock.js";
import type { CommandLedger } from "../ports/command-ledger.js";
import type { Counters } from "../ports/counters.js";
import type { ShadowGateway } from "../ports/shadow-gateway.js";
import type { AlertRecord } from "../schema/alert.js";
import { TelemetryRecord } from "../schema/telemetry.js";
import type { BatchOutcome, StreamInput } from "./batch-input.js";

export interface AlertPorts {
  alerts: AlertStore;
  publisher: AlertPublisher;
  shadows: ShadowGateway;
  ledger: CommandLedger;
  counters: Counters;
  clock: Clock;
  newId: () => string;
  onCounterError?: (error: unknown) => void;
}

function decode(input: StreamInput): TelemetryRecord | undefined {
  try {
    const parsed = TelemetryRecord.safeParse(JSON.parse(decodeUtf8(input.data) ?? ""));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

async function sendCommand(
  thing: string,
  desired: Record<string, unknown>,
  ports: AlertPorts,
): Promise<void> {
  const now = ports.clock.now();
  const clientToken = ports.newId();
  await ports.shadows.update(thing, { state: { desired }, clientToken });
  await ports.ledger.add({
    id: ports.newId(),
    thing,
    desired,
    clientToken,
    status: "pending",
    createdAt: now,
    expiresAt: now + COMMAND_TTL_MS,
  });
  await ports.counters.add({ shadowUpdates: 1 }).catch((error: unknown) => ports.onCounterError?.(error));
}

/** Locks the flavors whose cartridge reads 0 % (SPEC §2), unless the shadow already asks for it. */
async function lockEmptyFlavors(thing: string, flavors: Set<string>, ports: AlertPorts): Promise<void> {
  if (flavors.size === 0) return;
  const shadow = await ports.shadows.get(thing);
  const current = shadow?.state.desired?.lockedFlavors;
  const locked = Array.isArray(current) ? current.filter((f): f is string => typeof f === "string") : [];
  const missing = [...flavors].filter((flavor) => !locked.includes(flavor));
  if (missing.length > 0) await sendCommand(thing, { lockedFlavors: [...locked, ...missing].sort() }, ports);
}

/** Marks the thing's pending commands delivered once its reported state matches them. */
async function confirmDeliveries(thing: string, ports: AlertPorts): Promise<void> {
  const pending = (await ports.ledger.list({ thing })).filter((command) => command.status === "pending");
  if (pending.length === 0) return;
  const shadow = await ports.shadows.get(thing);
  await ports.ledger.markDelivered(thing, shadow?.state.reported ?? {}, ports.clock.now());
}

async function evaluateThing(thing: string, records: TelemetryRecord[], ports: AlertPorts): Promise<void> {
  const stored = await ports.alerts.states(thing);
  const states = new Map<string, AlarmState | undefined>(stored.map((state) => [state.code, state]));
  const revisions = new Map(stored.map((state) => [state.code, state.revision]));
  const touched = new Map<string, AlertRecord[]>();
  const events: Array<{ kind: "raised" | "cleared"; alert: AlertRecord }> = [];
  const emptyFlavors = new Set<string>();

  for (const record of records) {
    const conditions = conditionsOf(record);
    const codes = new Set([...states.keys(), ...conditions.keys()]);
    for (const code of codes) {
      const step = stepAlarm(states.get(code), code, conditions.get(code), record, ports.newId);
      if (!step.changed) continue;
      states.set(code, step.next);
      const kept = touched.get(code) ?? [];
      if (step.event) {
        events.push(step.event);
        kept.push(step.event.alert);
      }
      touched.set(code, kept);
    }
    if (record.type === "freestyle") {
      for (const [flavor, level] of Object.entries(record.metrics.cartridges))
        if (level === 0) emptyFlavors.add(flavor);
    }
  }

  for (const [code, alerts] of touched) {
    const next = states.get(code);
    const expected = revisions.get(code) ?? 0;
    const write = next ? { ...next, revision: expected + 1 } : undefined;
    // Keep the open alarm's latest counts, and every record raised or cleared on the way.
    const current = write?.alert;
    const records = current ? [...alerts.filter((a) => a.id !== current.id), current] : alerts;
    if (!(await ports.alerts.save(thing, code, write, expected, records))) {
      throw fleetlineError("CONFLICT", `alarm ${thing}/${code} changed meanwhile; the batch is retried`);
    }
  }

  for (const event of events) {
    await ports.publisher.publish(event.alert);
    if (event.kind !== "raised") continue;
    await ports.counters.add({ alertsRaised: 1 }).catch((error: unknown) => ports.onCounterError?.(error));
    const desired = ALARM_ACTIONS[event.alert.type][event.alert.code];
    if (desired) await sendCommand(thing, desired, ports);
  }
  await lockEmptyFlavors(thing, emptyFlavors, ports);
  await confirmDeliveries(thing, ports);
}

/**
 * The alerts function's work (SPEC §2): alarm state per (thing, code) from the validated records,
 * alert records published on each raise and clear, the shadow commands of SPEC §2 sent and
 * tracked in the command ledger until the device reports them or they expire.
 */
export async function evaluateAlarms(
  inputs: readonly StreamInput[],
  ports: AlertPorts,
): Promise<BatchOutcome> {
  const failed = new Map<string, Error>();
  const byThing = new Map<string, Array<{ id: string; record: TelemetryRecord }>>();
  for (const input of inputs) {
    const record = decode(input);
    if (!record) continue;
    const list = byThing.get(record.thing) ?? [];
    list.push({ id: input.id, record });
    byThing.set(record.thing, list);
  }
  for (const [thing, items] of byThing) {
    try {
      await evaluateThing(
        thing,
        items.map((item) => item.record),
        ports,
      );
    } catch (cause) {
      const error = cause instanceof Error ? cause : new Error(String(cause));
      for (const item of items) failed.set(item.id, error);
    }
  }
  try {
    await ports.ledger.expire(ports.clock.now());
  } catch {
    // Expiry runs again with the next batch.
  }
  return { failed };
}
