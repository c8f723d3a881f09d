import { Logger } from "@aws-lambda-powertools/logger";
import type { AlarmPorts, OfflinePorts } from "@fleetline/core/alarms";
import type { Clock } from "@fleetline/core/common";
import type { DeviceType, PresenceStore } from "@fleetline/core/devices";
import type { DeadLetterQueue } from "@fleetline/core/redrive";
import * as builtIn from "@fleetline/functions/handlers";
import type { DuckDbCommandLedger } from "../stores/duckdb-command-ledger.js";
import type { JournalCounters } from "../stores/journal-counters.js";
import type { FunctionHandler } from "../streams/lambda/local-functions.js";
import { crashingAfterWork, type InjectedFailures } from "./injected-failures.js";

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
  | "createPresenceHandler"
  | "createProvisioningHookHandler"
  | "createSweepHandler"
  | "validate"
>;

export const BUILT_IN_HANDLERS: HandlerFactories = builtIn;

/** The runtime's adapters every function is wired to; they stay when the functions' code is swapped. */
export interface FunctionPorts {
  validate: Parameters<typeof builtIn.createValidateHandler>[0];
  store: Parameters<typeof builtIn.createStoreHandler>[0];
  alarms: AlarmPorts & Partial<OfflinePorts>;
  confirm: { ledger: DuckDbCommandLedger; counters: JournalCounters; clock: Clock };
  presence: { store: PresenceStore; typeOf(thing: string): Promise<DeviceType | undefined> };
  provisioningHook: { thingPrefix: string };
  deadLetters: DeadLetterQueue;
  failures: InjectedFailures;
}

export const FUNCTION_NAMES = [
  "validate",
  "store",
  "alerts",
  "confirm",
  "presence",
  "provisioningHook",
  "sweep",
] as const;
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
      ports.failures,
    ),
    alerts: factories.createAlertsHandler(ports.alarms, logger("alerts"), ports.deadLetters),
    confirm: factories.createConfirmHandler(ports.confirm, logger("confirm")) as FunctionHandler,
    presence: factories.createPresenceHandler(ports.presence, logger("presence")) as FunctionHandler,
    provisioningHook: factories.createProvisioningHookHandler(
      ports.provisioningHook,
      logger("provisioningHook"),
    ) as FunctionHandler,
    sweep: () => sweep(),
  } as Record<FunctionName, FunctionHandler>;
}
