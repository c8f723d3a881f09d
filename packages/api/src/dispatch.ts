import { timingSafeEqual } from "node:crypto";
import { jsonNestingDepth } from "@fleetline/core";
import { errorResponse, HttpError } from "./http-error.js";
import type { Request, Response, Router } from "./router.js";

/** One HTTP request as any front door sees it: Node's server locally, API Gateway on AWS. */
export interface IncomingRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Request["headers"];
  rawBody: Buffer;
}

export interface DispatchOptions {
  /**
   * The operator's token: when set, every path but /healthz needs `Authorization: Bearer <token>`,
   * and this one may do anything — register devices (and receive their credentials), edit
   * shadows, ack alerts, publish.
   */
  apiToken?: string;
  /** The viewer's token: reads only (GET, HEAD); a write with it is 403. */
  viewerToken?: string;
  /** Told about every 5xx, with the error behind it. */
  onError?: (error: unknown, request: { method: string; path: string }) => void;
}

function header(headers: Request["headers"], name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

function sameToken(given: Buffer, token: string | undefined): boolean {
  if (token === undefined) return false;
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const READS = new Set(["GET", "HEAD"]);

/** Refuses a request its token does not allow: none or a wrong one (401), a viewer's write (403). */
function checkToken(incoming: IncomingRequest, options: DispatchOptions): void {
  if ((!options.apiToken && !options.viewerToken) || incoming.path === "/healthz") return;
  const given = Buffer.from(header(incoming.headers, "authorization").replace(/^Bearer\s+/i, ""));
  if (sameToken(given, options.apiToken)) return;
  if (sameToken(given, options.viewerToken)) {
    if (READS.has(incoming.method)) return;
    throw new HttpError(403, "FORBIDDEN", "the viewer token can only read; writes need the operator token");
  }
  throw new HttpError(401, "UNAUTHORIZED", "send Authorization: Bearer <api token>");
}

/** No request body the API takes nests deeper than this; a shadow document at most 6 levels. */
export const MAX_BODY_DEPTH = 32;

/** JSON bodies are parsed when sent as JSON (or untyped); routes that need one say so. */
function parseBody(request: IncomingRequest): unknown {
  const type = header(request.headers, "content-type");
  if (request.rawBody.length === 0 || !(type === "" || type.includes("json"))) return undefined;
  const text = request.rawBody.toString("utf8");
  if (jsonNestingDepth(text) > MAX_BODY_DEPTH)
    throw new HttpError(400, "INVALID_BODY", `the JSON body nests deeper than ${MAX_BODY_DEPTH} levels`);
  try {
    return JSON.parse(text);
  } catch {
    // The shadow routes answer malformed JSON with the AWS error, the others with INVALID_BODY.
    return undefined;
  }
}

/**
 * Routes one request: the token check, the route, the JSON body, and every error as
 * `{ error: { code, message } }` with its status — never a stack trace.
 */
export async function dispatch(
  router: Router,
  incoming: IncomingRequest,
  options: DispatchOptions = {},
): Promise<Response> {
  const { method, path } = incoming;
  try {
    checkToken(incoming, options);
    const { handler, params } = router.match(method, path);
    const body = parseBody(incoming);
    return await handler({ ...incoming, params, body });
  } catch (error) {
    const { status, body } = errorResponse(error);
    if (status >= 500) options.onError?.(error, { method, path });
    return { status, body };
  }
}

/** A response's bytes and headers: Buffers as they are, anything else as JSON. */
export function encodeResponse(response: Response): { headers: Record<string, string>; payload: Buffer } {
  const headers: Record<string, string> = { ...response.headers };
  if (Buffer.isBuffer(response.body)) return { headers, payload: response.body };
  if (response.body === undefined) return { headers, payload: Buffer.alloc(0) };
  headers["content-type"] ??= "application/json";
  return { headers, payload: Buffer.from(JSON.stringify(response.body)) };
}
