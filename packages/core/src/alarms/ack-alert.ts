import { fleetlineError } from "../common/errors.js";
import { stateToSave } from "./alarm-machine.js";
import type { AlarmPorts } from "./alarm-ports.js";
import type { AlertRecord } from "./alert.js";
import { publishEffects, settleOutbox } from "./outbox.js";

/**
 * An operator acknowledges an alarm (docs/guide/operate.md, "Alarms"): open → acked, once. The acked record is
 * saved with the alarm's state and the publications it owes, in one compare-and-set write, then
 * published; a publication that fails is finished by the schedule's sweep. Undefined for an
 * unknown id; CONFLICT for an alarm already cleared.
 */
export async function ackAlert(id: string, ports: AlarmPorts): Promise<AlertRecord | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const alert = await ports.alerts.get(id);
    if (!alert) return undefined;
    if (alert.status === "cleared") throw fleetlineError("CONFLICT", `alert ${id} is already cleared`);
    if (alert.status === "acked") return alert;
    const state = (await ports.alerts.states(alert.thing)).find((s) => s.code === alert.code);
    if (state?.alert?.id !== id)
      throw fleetlineError("CONFLICT", `alert ${id} is no longer the open alarm of ${alert.thing}`);
    const now = ports.clock.now();
    const acked: AlertRecord = { ...state.alert, status: "acked", ackedAt: now };
    const effects = publishEffects(acked, ports);
    const next = { ...stateToSave({ ...state, alert: acked }, effects, now), revision: state.revision + 1 };
    if (await ports.alerts.save({ expectedRevision: state.revision, next, alerts: [acked] })) {
      await settleOutbox(next, ports, new Set(effects.map((effect) => effect.id)));
      return acked;
    }
  }
  throw fleetlineError("CONCURRENT_UPDATE", `alert ${id} kept changing; try again`);
}
