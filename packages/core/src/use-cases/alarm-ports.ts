import type { Effect } from "../alarms/effects.js";
import type { AlertPublisher } from "../ports/alert-publisher.js";
import type { AlertStore } from "../ports/alert-store.js";
import type { Clock } from "../ports/clock.js";
import type { CommandLedger } from "../ports/command-ledger.js";
import type { Counters } from "../ports/counters.js";
import type { ShadowGateway } from "../ports/shadow-gateway.js";

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

/** Counting never fails the work it counts: a lost increment is reported, not thrown. */
export function count(
  ports: Pick<AlarmPorts, "counters" | "onCounterError">,
  increments: Parameters<Counters["add"]>[0],
) {
  return ports.counters.add(increments).catch((error: unknown) => ports.onCounterError?.(error));
}
