import type { Logger } from "@aws-lambda-powertools/logger";
import type { DeadLetterQueue } from "@fleetline/core/redrive";
import { type ValidatePorts, validateRecords } from "@fleetline/core/telemetry";
import { streamHandler } from "./batch-response.js";

/**
 * The `validate` Lambda: fleetline-raw → fleetline-validated, or the quarantine.
 * Built once per process with its ports; AWS and the local runtime differ only in those ports.
 */
export function createValidateHandler(ports: ValidatePorts, logger: Logger, deadLetters?: DeadLetterQueue) {
  const onRejected: ValidatePorts["onRejected"] = (entry) =>
    logger.info("message rejected", {
      thing: entry.topic.split("/")[3],
      reason: entry.reason,
      detail: entry.detail,
    });
  return streamHandler(validateRecords, { ...ports, onRejected }, logger, deadLetters);
}
