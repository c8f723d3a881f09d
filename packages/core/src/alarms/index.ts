// Alarms: the state machine per (thing, code), its rules, the outbox of owed effects, the alert store and publisher ports, and the evaluate, ack and sweep use cases.
export { ackAlert } from "./ack-alert.js";
export { type AlarmState, conditionsOf, isIdle, stateToSave, stepAlarm } from "./alarm-machine.js";
export type { AlarmPorts, EffectFailure } from "./alarm-ports.js";
export { COMMAND_TTL_MS, NEWEST_REPORT, NEWEST_REPORT_STEP_MS } from "./alarm-rules.js";
export { ALERT_STATUSES, AlertRecord, alertExpiresAt, alertPosition } from "./alert.js";
export type { AlertPublisher } from "./alert-publisher.js";
export { type AlarmWrite, type AlertQuery, type AlertStore, assertDistinctAlarms } from "./alert-store.js";
export type { Effect } from "./effects.js";
export { evaluateAlarms } from "./evaluate-alarms.js";
export {
  OFFLINE,
  OFFLINE_AFTER_MS,
  type OfflineOutcome,
  type OfflinePorts,
  watchOffline,
} from "./offline.js";
export { OUTBOX_CLAIM_MS } from "./outbox.js";
export { type SweepOutcome, sweep } from "./sweep.js";
