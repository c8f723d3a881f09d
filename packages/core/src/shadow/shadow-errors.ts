import { type ErrorCode, type FleetlineError, fleetlineError } from "../errors.js";
import type { ShadowErrorDocument } from "./shadow-types.js";

/** The shadow service's HTTP-style codes, as the ShadowGateway port reports them. */
const CODES: Record<ShadowErrorDocument["code"], ErrorCode> = {
  400: "REQUEST_INVALID",
  404: "NOT_FOUND",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  429: "THROTTLED",
  500: "STORE_UNAVAILABLE",
};

/** The error a shadow gateway throws for the service's refusal (its message kept as AWS words it). */
export function shadowRefusal(document: ShadowErrorDocument): FleetlineError {
  return fleetlineError(CODES[document.code], document.message);
}
