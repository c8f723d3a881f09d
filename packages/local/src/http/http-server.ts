import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { closeServer, listen } from "../net/listen.js";
import { errorResponse, HttpError } from "./http-error.js";
import type { Request, Response, Router } from "./router.js";
import { staticFile } from "./static-files.js";

const MAX_BODY_BYTES = 1024 * 1024;

export interface HttpServerOptions {
  host: string;
  port: number;
  router: Router;
  /** When set, every path but /healthz needs `Authorization: Bearer <token>`. */
  apiToken?: string;
  /** Serves these files (the dashboard) for GET paths outside the API. */
  staticDir?: string;
  onError?: (error: unknown, request: { method: string; path: string }) => void;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, "PAYLOAD_TOO_LARGE", `request body over ${MAX_BODY_BYTES} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function authorized(request: IncomingMessage, token: string): boolean {
  const given = Buffer.from((request.headers.authorization ?? "").replace(/^Bearer\s+/i, ""));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The runtime's HTTP server: JSON in, JSON out, errors as `{ error: { code, message } }`. */
export class HttpServer {
  private readonly server: Server;
  port = 0;

  constructor(private readonly options: HttpServerOptions) {
    this.server = createServer((request, response) => void this.handle(request, response));
  }

  async listen(): Promise<void> {
    this.port = await listen(this.server, {
      label: "HTTP",
      flag: "--http-port",
      host: this.options.host,
      port: this.options.port,
    });
  }

  get url(): string {
    return `http://${this.options.host}:${this.port}`;
  }

  private async handle(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const url = new URL(incoming.url ?? "/", "http://localhost");
    const method = incoming.method ?? "GET";
    let response: Response;
    try {
      if (
        this.options.apiToken &&
        url.pathname !== "/healthz" &&
        !authorized(incoming, this.options.apiToken)
      ) {
        throw new HttpError(401, "UNAUTHORIZED", "send Authorization: Bearer <api token>");
      }
      const isApi =
        url.pathname.startsWith("/api/") ||
        url.pathname.startsWith("/things/") ||
        url.pathname.startsWith("/topics/") ||
        url.pathname === "/healthz";
      if (this.options.staticDir && method === "GET" && !isApi) {
        this.send(outgoing, await staticFile(this.options.staticDir, url.pathname));
        return;
      }
      const { handler, params } = this.options.router.match(method, url.pathname);
      const rawBody = method === "GET" || method === "HEAD" ? Buffer.alloc(0) : await readBody(incoming);
      let body: unknown;
      const type = incoming.headers["content-type"] ?? "";
      if (rawBody.length > 0 && (type === "" || type.includes("json"))) {
        try {
          body = JSON.parse(rawBody.toString("utf8"));
        } catch {
          // Routes that need JSON say so; the shadow routes answer with the AWS error instead.
          body = undefined;
        }
      }
      const request: Request = {
        method,
        path: url.pathname,
        params,
        query: url.searchParams,
        headers: incoming.headers,
        body,
        rawBody,
      };
      response = await handler(request);
    } catch (error) {
      const { status, body } = errorResponse(error);
      if (status >= 500) this.options.onError?.(error, { method, path: url.pathname });
      response = { status, body };
    }
    this.send(outgoing, response);
  }

  private send(outgoing: ServerResponse, response: Response): void {
    const headers: Record<string, string> = { ...response.headers };
    let payload: string | Buffer = "";
    if (Buffer.isBuffer(response.body)) {
      payload = response.body;
    } else if (response.body !== undefined) {
      payload = JSON.stringify(response.body);
      headers["content-type"] ??= "application/json";
    }
    outgoing.writeHead(response.status, headers);
    outgoing.end(payload);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await closeServer(this.server);
  }
}
