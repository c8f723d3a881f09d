import type { IncomingHttpHeaders } from "node:http";
import { HttpError } from "@fleetline/api";
import { browserRefusal } from "../../lib/net/browser-guard.js";

/** Bodies a state-changing request may carry: types a cross-site page cannot send without a preflight. */
const ACCEPTED_TYPES = /^application\/(json|octet-stream|[a-z0-9.+-]+\+json)\s*(;|$)/i;

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH"]);

function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

export interface RequestGuardOptions {
  /** The address the server listens on (`--host`). */
  host: string;
  /** The port the server listens on: its pages are the dashboard. */
  port: () => number;
  /** With a token the API is guarded by it, and any host name may reach the server. */
  apiToken?: string;
}

/**
 * An AWS SDK call with no body (CreateProvisioningClaim) sends no content type, but it is signed:
 * a page cannot set `Authorization` cross-site without a preflight, which the guard refuses.
 */
function signedWithoutBody(headers: IncomingHttpHeaders): boolean {
  const length = header(headers, "content-length");
  return (
    header(headers, "content-type") === "" &&
    (length === "" || length === "0") &&
    header(headers, "transfer-encoding") === "" &&
    header(headers, "authorization") !== ""
  );
}

/**
 * The HTTP port's guard: the browser guard of every port (`net/browser-guard.ts`: no rebound host
 * name without a token, no page but the dashboard), and for writes a body type no page can send
 * cross-site unasked (JSON or octet-stream), so even a browser that sends no `Origin` cannot forge one.
 *
 * Returns the refusal, or undefined when the request may go on.
 */
export function guardRequest(
  method: string,
  headers: IncomingHttpHeaders,
  options: RequestGuardOptions,
): HttpError | undefined {
  const refusal = browserRefusal(method, headers, {
    host: options.host,
    anyHost: options.apiToken !== undefined,
    dashboardPort: options.port,
  });
  if (refusal) return new HttpError(403, refusal.code, refusal.message);
  if (
    STATE_CHANGING.has(method) &&
    !ACCEPTED_TYPES.test(header(headers, "content-type")) &&
    !signedWithoutBody(headers)
  ) {
    return new HttpError(
      415,
      "UNSUPPORTED_MEDIA_TYPE",
      `send the body as application/json (or application/octet-stream), not "${header(headers, "content-type") || "none"}"`,
    );
  }
  return undefined;
}
