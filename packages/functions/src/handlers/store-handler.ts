import type { Logger } from "@aws-lambda-powertools/logger";
import type { DeadLetterQueue } from "@fleetline/core/redrive";
import { type StorePorts, storeRecords } from "@fleetline/core/telemetry";
import { streamHandler } from "./batch-response.js";

/** The `store` Lambda: fleetline-validated → the telemetry store, idempotent on (thing, seq, ts). */
export function createStoreHandler(ports: StorePorts, logger: Logger, deadLetters?: DeadLetterQueue) {
  return streamHandler(storeRecords, ports, logger, deadLetters);
}
