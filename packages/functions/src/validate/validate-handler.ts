import type { Logger } from "@aws-lambda-powertools/logger";
import { type ValidatePorts, validateRecords } from "@fleetline/core";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { inputsOf, partialResponse } from "../batch-response.js";

/**
 * The `validate` Lambda (SPEC §2): fleetline-raw → fleetline-validated, or the quarantine.
 * Built once per process with its ports; AWS and the local runtime differ only in those ports.
 */
export function createValidateHandler(ports: ValidatePorts, logger: Logger) {
  const withLogs: ValidatePorts = {
    ...ports,
    onRejected: (entry) =>
      logger.info("message rejected", {
        thing: entry.topic.split("/")[3],
        reason: entry.reason,
        detail: entry.detail,
      }),
    onCounterError: (error) => logger.warn("counters not updated", { error: error as Error }),
  };
  return async (event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> => {
    const outcome = await validateRecords(inputsOf(event), withLogs);
    for (const [id, error] of outcome.failed)
      logger.warn("record will be retried", { sequenceNumber: id, error });
    return partialResponse(event, context, outcome);
  };
}
