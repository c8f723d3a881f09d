import type { Logger } from "@aws-lambda-powertools/logger";
import { type StorePorts, storeRecords } from "@fleetline/core";
import { streamHandler } from "../batch-response.js";

/** The `store` Lambda (SPEC §2): fleetline-validated → the telemetry store, idempotent on (thing, seq, ts). */
export function createStoreHandler(ports: StorePorts, logger: Logger) {
  const onPoison: StorePorts["onPoison"] = (sequenceNumber, detail) =>
    logger.error("not a canonical record; skipped", { sequenceNumber, detail });
  return streamHandler(storeRecords, { ...ports, onPoison }, logger);
}
