import { type ErrorCode, type FleetlineError, fleetlineError } from "../../common/errors.js";
import type { JsonObject, ShadowDocument, ShadowErrorDocument, ShadowResult } from "./shadow-types.js";

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

/** A gateway's `get` from the service's answer: the document, undefined for none, else the refusal thrown. */
export function shadowFound(result: ShadowResult<JsonObject>): ShadowDocument | undefined {
  if (result.ok) return structuredClone(result.value) as unknown as ShadowDocument;
  if (result.error.code === 404) return undefined;
  throw shadowRefusal(result.error);
}
