import { jsonNestingDepth } from "@fleetline/core/telemetry";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import type { ContentfulStatusCode, StatusCode } from "hono/utils/http-status";
import { roleOfToken } from "./callers.js";
import { errorResponse, HttpError } from "./http-error.js";

/** One request as a route sees it, on either target: Node's server locally, API Gateway on AWS. */
export interface Request {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Lower-case names. */
  headers: Record<string, string | undefined>;
  /** The parsed JSON body (POST/PUT), or undefined. */
  body: unknown;
  rawBody: Buffer;
}

export interface Response {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler = (request: Request) => Promise<Response> | Response;

export interface ApiAppOptions {
  /**
   * The operator's token: when set, every path but /healthz needs `Authorization: Bearer <token>`,
   * and this one may do anything — register devices (and receive their credentials), edit
   * shadows, ack alerts, publish.
   */
  apiToken?: string;
  /** The viewer's token: reads only (GET, HEAD); a write with it is 403. */
  viewerToken?: string;
  /**
   * Instead of tokens: the caller's role as a gate in front of the app found it from the request's
   * environment (on AWS, the Lambda authorizer's context: `event.requestContext.authorizer.lambda`).
   * Anything but "operator" or "viewer" is 401.
   */
  roleOf?: (env: unknown) => string | undefined;
  /** Told about every 5xx, with the error behind it. */
  onError?: (error: unknown, request: { method: string; path: string }) => void;
}

/** No request body the API takes nests deeper than this; a shadow document at most 6 levels. */
export const MAX_BODY_DEPTH = 32;

const READS = new Set(["GET", "HEAD"]);

/**
 * Refuses a request its caller may not make: no token or a wrong one (401), a viewer's write (403).
 * The caller is whoever the tokens the app holds say, or — with `roleOf` — whoever the gate in front
 * of it found (API Gateway's Lambda authorizer on AWS).
 */
function callers(options: ApiAppOptions): MiddlewareHandler {
  const guarded = Boolean(options.apiToken || options.viewerToken || options.roleOf);
  return async (c, next) => {
    if (guarded && c.req.path !== "/healthz") {
      const role = options.roleOf
        ? options.roleOf(c.env)
        : roleOfToken(c.req.header("authorization"), options);
      if (role !== "operator" && role !== "viewer")
        throw new HttpError(401, "UNAUTHORIZED", "send Authorization: Bearer <api token>");
      if (role === "viewer" && !READS.has(c.req.method))
        throw new HttpError(
          403,
          "FORBIDDEN",
          "the viewer token can only read; writes need the operator token",
        );
    }
    await next();
  };
}

/** A path whose percent-encoding does not decode names no route and no file: 400. */
const decodablePath: MiddlewareHandler = async (c, next) => {
  try {
    decodeURIComponent(new URL(c.req.url).pathname);
  } catch {
    throw new HttpError(400, "INVALID_PARAMETER", "path: malformed percent-encoding");
  }
  await next();
};

/** JSON bodies are parsed when sent as JSON (or untyped); routes that need one say so. */
function parseBody(raw: Buffer, type: string): unknown {
  if (raw.length === 0 || !(type === "" || type.includes("json"))) return undefined;
  const text = raw.toString("utf8");
  if (jsonNestingDepth(text) > MAX_BODY_DEPTH)
    throw new HttpError(400, "INVALID_BODY", `the JSON body nests deeper than ${MAX_BODY_DEPTH} levels`);
  try {
    return JSON.parse(text);
  } catch {
    // The shadow routes answer malformed JSON with the AWS error, the others with INVALID_BODY.
    return undefined;
  }
}

async function requestOf(c: Context): Promise<Request> {
  const url = new URL(c.req.url);
  const rawBody = READS.has(c.req.method) ? Buffer.alloc(0) : Buffer.from(await c.req.arrayBuffer());
  const headers = c.req.header();
  return {
    method: c.req.method,
    path: url.pathname,
    params: c.req.param() as Record<string, string>,
    query: url.searchParams,
    headers,
    body: parseBody(rawBody, headers["content-type"] ?? ""),
    rawBody,
  };
}

/** A route's answer: a stream or Buffer as it is, anything else as JSON. */
export function send(c: Context, response: Response): globalThis.Response {
  const status = response.status as StatusCode;
  for (const [name, value] of Object.entries(response.headers ?? {})) c.header(name, value);
  if (response.body instanceof ReadableStream) return c.body(response.body, status as ContentfulStatusCode);
  if (Buffer.isBuffer(response.body))
    return c.body(new Uint8Array(response.body), status as ContentfulStatusCode);
  if (response.body === undefined) return c.body(null, status);
  return c.json(response.body, status as ContentfulStatusCode);
}

/**
 * The query API as one Hono app for both targets — Node's server locally (`@hono/node-server`),
 * API Gateway on AWS (`hono/aws-lambda`) — with the token check as middleware and every error as
 * `{ error: { code, message } }` with its status, never a stack trace. Routes are plain
 * functions of a `Request` (`add`), so they know nothing of the framework.
 */
export class ApiApp {
  readonly hono = new Hono();
  private readonly routes: Array<{ method: string; pattern: RegExp }> = [];

  constructor(private readonly options: ApiAppOptions = {}) {
    this.hono.use(decodablePath, callers(options));
    this.hono.onError((error, c) => {
      const { status, body } = errorResponse(error);
      if (status >= 500) this.options.onError?.(error, { method: c.req.method, path: c.req.path });
      return c.json(body, status as ContentfulStatusCode);
    });
    this.hono.notFound((c) => {
      const { method, path } = c.req;
      const error = this.routes.some((route) => route.pattern.test(path))
        ? new HttpError(405, "METHOD_NOT_ALLOWED", `${method} is not allowed on ${path}`)
        : new HttpError(404, "NOT_FOUND", `no route for ${method} ${path}`);
      return c.json(errorResponse(error).body, error.status as ContentfulStatusCode);
    });
  }

  /** Answers `method path` (`/api/devices/:thing`) with `handler`. */
  add(method: string, path: string, handler: RouteHandler): this {
    this.routes.push({ method, pattern: new RegExp(`^${path.replace(/:[a-zA-Z]+/g, "[^/]+")}$`) });
    this.hono.on(method, path, async (c) => send(c, await handler(await requestOf(c))));
    return this;
  }

  /** The app's answer to a request, as a fetch handler (what every Hono adapter calls). */
  readonly fetch = (request: globalThis.Request): Promise<globalThis.Response> | globalThis.Response =>
    this.hono.fetch(request);
}
