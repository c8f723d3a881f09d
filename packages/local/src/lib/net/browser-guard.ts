import type { IncomingHttpHeaders } from "node:http";

/** Names of this machine that a browser may use for a server bound to loopback. */
const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "::1"]);

/** Whether `host` (an address or name a port listens on) is this machine's loopback. */
export function isLoopbackName(host: string): boolean {
  return LOOPBACK_NAMES.has(host.toLowerCase()) || host.startsWith("127.");
}

export interface BrowserGuardOptions {
  /** The address the port listens on (`--host`). */
  host: string;
  /**
   * Serve any `Host`: the port is beyond loopback and every request carries a credential (the API
   * token, a thing's token), so a rebound name gains a page nothing.
   */
  anyHost?: boolean;
  /** The port of the runtime's HTTP server: pages it serves (the dashboard) are its only callers. */
  dashboardPort: () => number;
}

export type BrowserRefusalCode = "HOST_NOT_ALLOWED" | "CROSS_ORIGIN_REQUEST" | "CROSS_SITE_REQUEST";

export interface BrowserRefusal {
  code: BrowserRefusalCode;
  message: string;
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

/** The host name of a `Host` header: `localhost:8080` → `localhost`, `[::1]:8080` → `::1`. */
export function hostName(host: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(host);
  if (bracketed) return (bracketed[1] as string).toLowerCase();
  return (host.split(":")[0] ?? "").toLowerCase();
}

/** A request's `Host`, or HTTP/2's `:authority`. */
function requestHost(headers: IncomingHttpHeaders): string {
  return header(headers, "host") || header(headers, ":authority");
}

function namesThisMachine(name: string, options: BrowserGuardOptions): boolean {
  return LOOPBACK_NAMES.has(name) || name === options.host.toLowerCase();
}

/** Whether `origin` is a page of the runtime's own HTTP server, as the request names the machine. */
function isDashboard(origin: string, host: string, options: BrowserGuardOptions): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== "http:" || Number(url.port || 80) !== options.dashboardPort()) return false;
  const name = hostName(url.host);
  return namesThisMachine(name, options) || (options.anyHost === true && name === hostName(host));
}

/**
 * What a web page the developer has open could otherwise make a port of the runtime do on their
 * behalf, refused the same way on every port (docs/guide/security.md, "Who can reach what"):
 *
 * - DNS rebinding: a page on `evil.example` whose name now points at 127.0.0.1 talks to the port
 *   as its own origin. Unless `anyHost`, only requests naming this machine (`Host`: loopback names
 *   or `--host`) are served, as development servers do.
 * - Cross-origin requests: a browser names the page behind every request that is not a plain
 *   navigation or image load (`Origin`; WebSocket handshakes always) and says where it came from
 *   (`Sec-Fetch-Site`). Only the runtime's own dashboard may call a port; any other origin, `null`
 *   included, and anything a browser marks cross-site or same-site (another port of this machine)
 *   is refused, except a top-level navigation, whose answer only the user sees.
 *
 * No port grants CORS, so a browser shows a page nothing of a port's answers either.
 */
export function browserRefusal(
  method: string,
  headers: IncomingHttpHeaders,
  options: BrowserGuardOptions,
): BrowserRefusal | undefined {
  const host = requestHost(headers);
  if (!options.anyHost && host !== "" && !namesThisMachine(hostName(host), options)) {
    return {
      code: "HOST_NOT_ALLOWED",
      message: `this runtime does not serve the host name ${hostName(host)}`,
    };
  }
  const origin = header(headers, "origin");
  if (origin !== "" && !isDashboard(origin, host, options)) {
    return { code: "CROSS_ORIGIN_REQUEST", message: `a request from the page ${origin} is refused` };
  }
  const site = header(headers, "sec-fetch-site");
  const navigation =
    (method === "GET" || method === "HEAD") && header(headers, "sec-fetch-mode") === "navigate";
  if ((site === "cross-site" || site === "same-site") && !navigation && origin === "") {
    return { code: "CROSS_SITE_REQUEST", message: `a ${site} ${method} is refused` };
  }
  return undefined;
}
