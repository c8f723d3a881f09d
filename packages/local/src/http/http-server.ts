import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import {
  dispatch,
  encodeResponse,
  errorResponse,
  HttpError,
  type Response,
  type Router,
} from "@fleetline/api";
import { adviseKeepAlive, holdIdleConnections } from "../net/keep-alive.js";
import { closeServer, listen } from "../net/listen.js";
import { guardRequest } from "./request-guard.js";
import { staticFile } from "./static-files.js";

const MAX_BODY_BYTES = 1024 * 1024;

export interface HttpServerOptions {
  host: string;
  port: number;
  router: Router;
  /** When set, every path but /healthz needs `Authorization: Bearer <token>`. */
  apiToken?: string;
  /** When set too, this token may read the API but not write to it. */
  viewerToken?: string;
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
        // Read no more of it; the 413 goes out and the connection closes after it.
        request.removeAllListeners("data");
        request.pause();
        reject(new HttpError(413, "PAYLOAD_TOO_LARGE", `request body over ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

/** The request target as a URL; one that is not ("//[") is a 400, never an escaping exception. */
function requestUrl(incoming: IncomingMessage): URL {
  try {
    return new URL(incoming.url ?? "/", "http://localhost");
  } catch {
    throw new HttpError(400, "INVALID_PARAMETER", "the request target is not a valid URL");
  }
}

/** The runtime's HTTP server: JSON in, JSON out, errors as `{ error: { code, message } }`. */
export class HttpServer {
  private readonly server: Server;
  port = 0;

  /** The routes this server answers (the same router can sit behind API Gateway). */
  get router(): Router {
    return this.options.router;
  }

  constructor(private readonly options: HttpServerOptions) {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch(() => response.destroy());
    });
    holdIdleConnections(this.server);
  }

  async listen(): Promise<void> {
    this.port = await listen(this.server, {
      label: "HTTP",
      flag: "--http-port",
      host: this.options.host,
      port: this.options.port,
    });
  }

  /** Told of a listening-socket error (EMFILE …) after start-up, which would otherwise be thrown. */
  onServerError(listener: (error: Error) => void): void {
    this.server.on("error", listener);
  }

  get url(): string {
    return `http://${this.options.host}:${this.port}`;
  }

  private async handle(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    try {
      const url = requestUrl(incoming);
      const method = incoming.method ?? "GET";
      const refusal = guardRequest(method, incoming.headers, {
        host: this.options.host,
        port: () => this.port,
        ...(this.options.apiToken ? { apiToken: this.options.apiToken } : {}),
      });
      if (refusal) throw refusal;
      const isApi = ["/api/", "/things/", "/topics/"].some((prefix) => url.pathname.startsWith(prefix));
      // The dashboard's files are public; what they show comes from the API, behind the token.
      if (this.options.staticDir && method === "GET" && !isApi && url.pathname !== "/healthz") {
        this.send(outgoing, await staticFile(this.options.staticDir, url.pathname));
        return;
      }
      const rawBody = method === "GET" || method === "HEAD" ? Buffer.alloc(0) : await readBody(incoming);
      const response = await dispatch(
        this.options.router,
        { method, path: url.pathname, query: url.searchParams, headers: incoming.headers, rawBody },
        {
          ...(this.options.apiToken ? { apiToken: this.options.apiToken } : {}),
          ...(this.options.viewerToken ? { viewerToken: this.options.viewerToken } : {}),
          ...(this.options.onError ? { onError: this.options.onError } : {}),
        },
      );
      this.send(outgoing, response);
    } catch (error) {
      this.send(outgoing, errorResponse(error));
    }
  }

  private send(outgoing: ServerResponse, response: Response): void {
    if (outgoing.headersSent) {
      outgoing.destroy();
      return;
    }
    const { headers, payload } = encodeResponse(response);
    // A body left unread (too large) must not be parsed as the next request.
    if (response.status === 413) headers.connection = "close";
    adviseKeepAlive(outgoing);
    outgoing.writeHead(response.status, headers);
    outgoing.end(payload);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await closeServer(this.server);
  }
}
