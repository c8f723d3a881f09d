import type { CommandLedger } from "../commands/command-ledger.js";
import type { ShadowGateway } from "../commands/shadow-gateway.js";
import type { Clock } from "../common/clock.js";
import type { Counters } from "../pipeline/counters.js";
import type { AlertPublisher } from "./alert-publisher.js";
import type { AlertStore } from "./alert-store.js";
import type { Effect } from "./effects.js";

/** An effect that failed: owed still and tried again later, or given up because retrying cannot help. */
export interface EffectFailure {
  thing: string;
  code: string;
  effect: Effect;
  error: unknown;
  outcome: "retried later" | "given up";
}

/** What the alarm use cases (evaluate, ack, the schedule's sweep) read and write. */
export interface AlarmPorts {
  alerts: AlertStore;
  ledger: CommandLedger;
  shadows: ShadowGateway;
  /** Alert channels by name: `mqtt` (devices and dashboards) everywhere, `sns` (operators) on AWS. */
  publishers: Readonly<Record<string, AlertPublisher>>;
  counters: Counters;
  clock: Clock;
  newId: () => string;
  onCounterError?: (error: unknown) => void;
  onEffectFailed?: (failure: EffectFailure) => void;
}
