import type { Logger } from "@aws-lambda-powertools/logger";
import { type AlertPorts, evaluateAlarms } from "@fleetline/core";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { inputsOf, partialResponse } from "../batch-response.js";

/** The `alerts` Lambda (SPEC §2): fleetline-validated → alarms, alert records, shadow commands. */
export function createAlertsHandler(ports: AlertPorts, logger: Logger) {
  const withLogs: AlertPorts = {
    ...ports,
    onCounterError: (error) => logger.warn("counters not updated", { error: error as Error }),
  };
  return async (event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> => {
    const outcome = await evaluateAlarms(inputsOf(event), withLogs);
    for (const [id, error] of outcome.failed)
      logger.warn("record will be retried", { sequenceNumber: id, error });
    return partialResponse(event, context, outcome);
  };
}
