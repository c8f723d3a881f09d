import type { DevicePresence } from "../devices/presence.js";
import { count } from "../pipeline/counters.js";
import { type AlarmState, stateToSave } from "./alarm-machine.js";
import type { AlarmPorts } from "./alarm-ports.js";
import type { AlertRecord } from "./alert.js";
import { isClaimed, publishEffects, settleOutbox } from "./outbox.js";

/** The alarm of a device that stayed disconnected (docs/guide/operate.md, "Presence"). */
export const OFFLINE = "OFFLINE";

/**
 * How long a device may stay disconnected before the alarm opens: AWS's advice for lifecycle
 * events is to wait before acting, so a device that reconnects within it — a network blip, a
 * reboot, a firmware update — raises nothing.
 */
export const OFFLINE_AFTER_MS = 5 * 60_000;

/** What the offline alarm reads besides the alarm ports: every device's presence (with its type). */
export interface OfflinePorts {
  presence: { all(): Promise<Map<string, DevicePresence>> };
}

export interface OfflineOutcome {
  raised: number;
  cleared: number;
}

/**
 * The sweep's presence round: a device disconnected for longer than OFFLINE_AFTER_MS gets an open
 * OFFLINE alarm (major), published on its alert channels; one connected again has it cleared.
 * Each change is a compare-and-set of the alarm state, as the other alarms'.
 */
export async function watchOffline(ports: AlarmPorts & OfflinePorts): Promise<OfflineOutcome> {
  const outcome: OfflineOutcome = { raised: 0, cleared: 0 };
  const now = ports.clock.now();
  for (const [thing, presence] of await ports.presence.all()) {
    const stored = (await ports.alerts.states(thing)).find((state) => state.code === OFFLINE);
    const open = stored?.alert !== undefined && stored.alert.status !== "cleared";
    let alert: AlertRecord | undefined;
    if (!presence.connected && !open && presence.since <= now - OFFLINE_AFTER_MS) {
      const { type } = presence;
      if (!type) continue;
      alert = {
        id: ports.newId(),
        thing,
        type,
        code: OFFLINE,
        severity: "major",
        status: "open",
        openedAt: now,
        occurrences: 1,
        lastSeenAt: presence.since,
        detail: `disconnected since ${new Date(presence.since).toISOString()}${presence.disconnectReason ? ` (${presence.disconnectReason})` : ""}`,
      };
    } else if (presence.connected && open && stored?.alert) {
      alert = { ...stored.alert, status: "cleared", clearedAt: now, lastSeenAt: presence.since };
    }
    if (!alert) continue;
    const base: AlarmState = stored ?? { thing, code: OFFLINE, streak: 0, quiet: 0, lastSeq: 0, revision: 0 };
    const effects = publishEffects(alert, ports);
    const next: AlarmState = {
      ...stateToSave({ ...base, alert: alert.status === "cleared" ? undefined : alert }, effects, now),
      revision: base.revision + 1,
    };
    // Another sweep changed it meanwhile: the next round looks again.
    if (!(await ports.alerts.save({ expectedRevision: base.revision, next, alerts: [alert] }))) continue;
    if (!isClaimed(next, now)) await settleOutbox(next, ports);
    if (alert.status === "open") outcome.raised += 1;
    else outcome.cleared += 1;
  }
  if (outcome.raised > 0) await count(ports, { alertsRaised: outcome.raised });
  return outcome;
}
