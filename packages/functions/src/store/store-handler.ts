import type { Logger } from "@aws-lambda-powertools/logger";
import { type StorePorts, storeRecords } from "@fleetline/core";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { inputsOf, partialResponse } from "../batch-response.js";

/** The `store` Lambda (SPEC §2): fleetline-validated → the telemetry store, idempotent on (thing, seq). */
export function createStoreHandler(ports: StorePorts, logger: Logger) {
  const withLogs: StorePorts = {
    ...ports,
    onPoison: (sequenceNumber, detail) =>
      logger.error("not a canonical record; skipped", { sequenceNumber, detail }),
    onCounterError: (error) => logger.warn("counters not updated", { error: error as Error }),
  };
  return async (event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> => {
    const outcome = await storeRecords(inputsOf(event), withLogs);
    for (const [id, error] of outcome.failed)
      logger.warn("record will be retried", { sequenceNumber: id, error });
    return partialResponse(event, context, outcome);
  };
}
