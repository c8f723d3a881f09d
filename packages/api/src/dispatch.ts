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
  /** When set, every path but /healthz needs `Authorization: Bearer <token>`. */
  apiToken?: string;
  /** Told about every 5xx, with the error behind it. */
  onError?: (error: unknown, request: { method: string; path: string }) => void;
}

function header(headers: Request["headers"], name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

function authorized(headers: Request["headers"], token: string): boolean {
  const given = Buffer.from(header(headers, "authorization").replace(/^Bearer\s+/i, ""));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
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
    if (options.apiToken && path !== "/healthz" && !authorized(incoming.headers, options.apiToken))
      throw new HttpError(401, "UNAUTHORIZED", "send Authorization: Bearer <api token>");
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
