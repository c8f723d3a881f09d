import type { Logger } from "@aws-lambda-powertools/logger";
import { type AlertPorts, evaluateAlarms } from "@fleetline/core";
import { streamHandler } from "../batch-response.js";

/** The `alerts` Lambda (SPEC §2): fleetline-validated → alarms, alert records, shadow commands. */
export function createAlertsHandler(ports: AlertPorts, logger: Logger) {
  return streamHandler(evaluateAlarms, ports, logger);
}
