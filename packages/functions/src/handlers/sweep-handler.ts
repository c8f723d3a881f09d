import type { Logger } from "@aws-lambda-powertools/logger";
import type { AlarmPorts } from "@fleetline/core/alarms";
import { type OfflinePorts, type SweepOutcome, sweep } from "@fleetline/core/alarms";
import { effectFailureLogger } from "./alerts-handler.js";

/**
 * The `sweep` Lambda, on the EventBridge schedule (every minute): commands past their deadline
 * expire (or are delivered, when the shadow shows them after all), and effects still owed are
 * carried out.
 */
export function createSweepHandler(ports: AlarmPorts & Partial<OfflinePorts>, logger: Logger) {
  const withLogs: AlarmPorts & Partial<OfflinePorts> = {
    ...ports,
    onCounterError: (error) => logger.warn("counters not updated", { error: error as Error }),
    onEffectFailed: effectFailureLogger(logger, ports.onEffectFailed),
  };
  return async (): Promise<SweepOutcome> => {
    const outcome = await sweep(withLogs);
    const { raised, cleared } = outcome.offline;
    if (
      outcome.expired +
        outcome.delivered +
        outcome.settled +
        outcome.stillOwing +
        outcome.skipped +
        raised +
        cleared >
      0
    )
      logger.info("sweep", { ...outcome });
    return outcome;
  };
}
