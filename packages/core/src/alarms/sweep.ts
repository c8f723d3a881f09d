import type { Command } from "../commands/command.js";
import { isDeliveredBy } from "../commands/confirm-deliveries.js";
import { errorKind } from "../common/errors.js";
import { count } from "../pipeline/counters.js";
import type { AlarmPorts } from "./alarm-ports.js";
import { type OfflinePorts, watchOffline } from "./offline.js";
import { settleOutbox } from "./outbox.js";

export interface SweepOutcome {
  /** Commands past their deadline whose device reports them after all (a confirmation that never came). */
  delivered: number;
  expired: number;
  /** Alarm states whose outbox was emptied. */
  settled: number;
  /** Alarm states that still owe effects. */
  stillOwing: number;
  /** Commands left for the next sweep (the shadow could not be read). */
  skipped: number;
  /** OFFLINE alarms opened and cleared from the devices' presence. */
  offline: { raised: number; cleared: number };
}

/** At most this many commands and states per page; the sweep reads pages until done or `maxPages`. */
const PAGE = 100;

/**
 * A command past its deadline: delivered if the shadow shows it after all (the confirmation was
 * lost), expired otherwise. Undefined when the shadow could not be read: tried again next sweep.
 */
async function finish(
  command: Command,
  ports: AlarmPorts,
): Promise<"delivered" | "expired" | "moved" | undefined> {
  let reported: Record<string, unknown> = {};
  try {
    reported = (await ports.shadows.get(command.thing))?.state.reported ?? {};
  } catch (error) {
    if (errorKind(error) !== "poison") return undefined;
  }
  const now = ports.clock.now();
  const next: Command = isDeliveredBy(command, reported)
    ? { ...command, status: "delivered", deliveredAt: now }
    : { ...command, status: "expired", expiredAt: now };
  // Confirmed meanwhile: nothing left to do.
  if (!(await ports.ledger.transition(next, "pending"))) return "moved";
  return next.status === "delivered" ? "delivered" : "expired";
}

/**
 * The schedule's work (docs/guide/operate.md, "Commands"), every minute: commands whose deadline has passed are
 * finished, so an idle fleet's commands expire too; alarm states that still owe effects (a
 * publish or a shadow update that failed) have them carried out; devices away too long are
 * alarmed (OFFLINE). Pages are read by key, the due
 * commands and the owing states only, never the whole ledger.
 */
export async function sweep(ports: AlarmPorts & Partial<OfflinePorts>, maxPages = 10): Promise<SweepOutcome> {
  const outcome: SweepOutcome = {
    delivered: 0,
    expired: 0,
    settled: 0,
    stillOwing: 0,
    skipped: 0,
    offline: { raised: 0, cleared: 0 },
  };
  for (let page = 0; page < maxPages; page++) {
    const due = await ports.ledger.due(ports.clock.now(), PAGE);
    for (const command of due) {
      const result = await finish(command, ports);
      if (result === undefined) outcome.skipped += 1;
      else if (result !== "moved") outcome[result] += 1;
    }
    // A page with commands left for later would come back the same: stop there.
    if (due.length < PAGE || outcome.skipped > 0) break;
  }
  if (outcome.delivered > 0) await count(ports, { commandsDelivered: outcome.delivered });
  if (outcome.expired > 0) await count(ports, { commandsExpired: outcome.expired });

  const seen = new Set<string>();
  for (let page = 0; page < maxPages; page++) {
    const owing = (await ports.alerts.owing(PAGE)).filter(
      (state) => !seen.has(`${state.thing}/${state.code}`),
    );
    for (const state of owing) {
      seen.add(`${state.thing}/${state.code}`);
      const after = await settleOutbox(state, ports);
      if (after.outbox?.length) outcome.stillOwing += 1;
      else outcome.settled += 1;
    }
    if (owing.length === 0) break;
  }
  // Where devices' presence is kept: those away too long get an OFFLINE alarm, those back have it cleared.
  const { presence } = ports;
  if (presence) outcome.offline = await watchOffline({ ...ports, presence });
  return outcome;
}
