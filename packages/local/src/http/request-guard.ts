import type { IncomingHttpHeaders } from "node:http";
import { HttpError } from "@fleetline/api";

/** Names of this machine that a browser may use for a server bound to loopback. */
const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "::1"]);

/** Bodies a state-changing request may carry: types a cross-site page cannot send without a preflight. */
const ACCEPTED_TYPES = /^application\/(json|octet-stream|[a-z0-9.+-]+\+json)\s*(;|$)/i;

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH"]);

function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

/** The host name of a `Host` header: `localhost:8080` → `localhost`, `[::1]:8080` → `::1`. */
function hostName(host: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(host);
  if (bracketed) return (bracketed[1] as string).toLowerCase();
  return (host.split(":")[0] ?? "").toLowerCase();
}

export interface RequestGuardOptions {
  /** The address the server listens on (`--host`). */
  host: string;
  /** With a token the API is guarded by it, and any host name may reach the server. */
  apiToken?: string;
}

/**
 * What a web page the developer has open could otherwise make the runtime do on their behalf:
 *
 * - DNS rebinding: a page on `evil.example` whose name now points at 127.0.0.1 talks to the runtime
 *   as its own origin. Without an API token, only requests naming this machine (`Host`: loopback
 *   names or `--host`) are served, as development servers do.
 * - Cross-site requests: a form or a `text/plain` fetch from any site reaches a local server
 *   without a CORS preflight. A state-changing request must carry a JSON or octet-stream body type
 *   (which no page can send cross-site unasked), and one a browser marks `Sec-Fetch-Site:
 *   cross-site` is refused outright.
 *
 * Returns the refusal, or undefined when the request may go on.
 */
export function guardRequest(
  method: string,
  headers: IncomingHttpHeaders,
  options: RequestGuardOptions,
): HttpError | undefined {
  const host = header(headers, "host");
  if (!options.apiToken && host !== "") {
    const name = hostName(host);
    if (!LOOPBACK_NAMES.has(name) && name !== options.host.toLowerCase()) {
      return new HttpError(403, "HOST_NOT_ALLOWED", `this runtime does not serve the host name ${name}`);
    }
  }
  if (!STATE_CHANGING.has(method) && method !== "DELETE") return undefined;
  if (header(headers, "sec-fetch-site") === "cross-site") {
    return new HttpError(403, "CROSS_SITE_REQUEST", `a cross-site ${method} is refused`);
  }
  if (STATE_CHANGING.has(method) && !ACCEPTED_TYPES.test(header(headers, "content-type"))) {
    return new HttpError(
      415,
      "UNSUPPORTED_MEDIA_TYPE",
      `send the body as application/json (or application/octet-stream), not "${header(headers, "content-type") || "none"}"`,
    );
  }
  return undefined;
}
