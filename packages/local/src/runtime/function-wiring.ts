import { Logger } from "@aws-lambda-powertools/logger";
import type { AlarmPorts, Clock, DeadLetterQueue } from "@fleetline/core";
import * as builtIn from "@fleetline/functions/handlers";
import type { DuckDbCommandLedger } from "../adapters/duckdb-command-ledger.js";
import type { DuckDbCounters } from "../adapters/duckdb-counters.js";
import { crashingAfterWork, type RuntimeFaults } from "../faults/runtime-faults.js";
import type { FunctionHandler } from "../lambda/local-functions.js";

/**
 * The handler factories (`@fleetline/functions/handlers`): the runtime's own copy, or one
 * `fleetline dev --watch` rebuilt from the sources after an edit.
 */
export type HandlerFactories = Pick<
  typeof builtIn,
  | "createValidateHandler"
  | "createStoreHandler"
  | "createAlertsHandler"
  | "createConfirmHandler"
  | "createSweepHandler"
  | "validate"
>;

export const BUILT_IN_HANDLERS: HandlerFactories = builtIn;

/** The runtime's adapters every function is wired to; they stay when the functions' code is swapped. */
export interface FunctionPorts {
  validate: Parameters<typeof builtIn.createValidateHandler>[0];
  store: Parameters<typeof builtIn.createStoreHandler>[0];
  alarms: AlarmPorts;
  confirm: { ledger: DuckDbCommandLedger; counters: DuckDbCounters; clock: Clock };
  deadLetters: DeadLetterQueue;
  faults: RuntimeFaults;
}

export const FUNCTION_NAMES = ["validate", "store", "alerts", "confirm", "sweep"] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** Every function's handler, built from `factories` on the runtime's ports. */
export function createHandlers(
  factories: HandlerFactories,
  ports: FunctionPorts,
): Record<FunctionName, FunctionHandler> {
  const logger = (serviceName: string) => new Logger({ serviceName });
  const sweep = factories.createSweepHandler(ports.alarms, logger("sweep"));
  return {
    validate: factories.createValidateHandler(ports.validate, logger("validate"), ports.deadLetters),
    store: crashingAfterWork(
      factories.createStoreHandler(ports.store, logger("store"), ports.deadLetters),
      ports.faults,
    ),
    alerts: factories.createAlertsHandler(ports.alarms, logger("alerts"), ports.deadLetters),
    confirm: factories.createConfirmHandler(ports.confirm, logger("confirm")) as FunctionHandler,
    sweep: () => sweep(),
  } as Record<FunctionName, FunctionHandler>;
}
