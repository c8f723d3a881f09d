import { createServer, type Server } from "node:http";
import { type ApiApp, errorResponse, HttpError, send } from "@fleetline/api";
import { getRequestListener, type HttpBindings } from "@hono/node-server";
import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ADVERTISED_KEEP_ALIVE, holdIdleConnections } from "../../lib/net/keep-alive.js";
import { closeServer, listen } from "../../lib/net/listen.js";
import { guardRequest } from "./request-guard.js";
import { staticFile } from "./static-files.js";

const MAX_BODY_BYTES = 1024 * 1024;

/** Paths the API answers (the query API, the IoT Data Plane's, the IoT control plane's); every other GET is the dashboard's. */
const API_PATHS = [
  /^\/api\//,
  /^\/things(\/|$)/,
  /^\/thing-groups(\/|$)/,
  /^\/topics\//,
  /^\/jobs(\/|$)/,
  /^\/connections\//,
  /^\/retainedMessage(\/|$)/,
  /^\/provisioning-templates(\/|$)/,
];

export interface HttpServerOptions {
  host: string;
  port: number;
  /** The query API, and whatever else the runtime routes (the Data Plane's paths, the console's). */
  app: ApiApp;
  /** With a token the API is guarded by it, and any host name may reach the server. */
  apiToken?: string;
  /** Serves these files (the dashboard) for GET paths outside the API. */
  staticDir?: string;
}

function refusal(error: HttpError, c: Parameters<MiddlewareHandler>[0]) {
  return c.json(errorResponse(error).body, error.status as ContentfulStatusCode);
}

/**
 * The runtime's HTTP port: the browser guard, a body limit and the dashboard's files in front of
 * the query API, on Node's HTTP server through `@hono/node-server`.
 */
export class HttpServer {
  private readonly server: Server;
  port = 0;

  constructor(private readonly options: HttpServerOptions) {
    const site = new Hono<{ Bindings: HttpBindings }>();
    site.use(async (c, next) => {
      await next();
      // Clients that read the hint drop a pooled socket before the server would (lib/net/keep-alive.ts).
      c.res.headers.set("keep-alive", ADVERTISED_KEEP_ALIVE);
    });
    site.use(async (c, next) => {
      // A request target that is no URL ("//[") names no route and no file: a 400, never a guess.
      try {
        new URL(c.env.incoming.url ?? "/", "http://localhost");
      } catch {
        return refusal(new HttpError(400, "INVALID_PARAMETER", "the request target is not a valid URL"), c);
      }
      await next();
    });
    site.use(async (c, next) => {
      const refused = guardRequest(c.req.method, c.req.header(), {
        host: options.host,
        port: () => this.port,
        apiToken: options.apiToken,
      });
      if (refused) return refusal(refused, c);
      await next();
    });
    site.use(
      bodyLimit({
        maxSize: MAX_BODY_BYTES,
        // A body left unread must not be parsed as the next request: the connection closes after it.
        onError: (c) => {
          c.header("connection", "close");
          return refusal(
            new HttpError(413, "PAYLOAD_TOO_LARGE", `request body over ${MAX_BODY_BYTES} bytes`),
            c,
          );
        },
      }),
    );
    // The dashboard's files are public; what they show comes from the API, behind the token.
    const { staticDir } = options;
    if (staticDir)
      site.get("*", async (c, next) => {
        if (c.req.path === "/healthz" || API_PATHS.some((path) => path.test(c.req.path))) return next();
        try {
          return send(c, await staticFile(staticDir, new URL(c.req.url).pathname));
        } catch (error) {
          return c.json(errorResponse(error).body, errorResponse(error).status as ContentfulStatusCode);
        }
      });
    site.all("*", (c) => options.app.fetch(c.req.raw));
    site.onError((error, c) =>
      c.json(errorResponse(error).body, errorResponse(error).status as ContentfulStatusCode),
    );
    this.server = createServer(
      getRequestListener(site.fetch, {
        // A request line that is no URL: a 400 in the API's shape, never an escaping exception.
        errorHandler: () =>
          Response.json(
            errorResponse(new HttpError(400, "INVALID_PARAMETER", "the request target is not a valid URL"))
              .body,
            {
              status: 400,
            },
          ),
      }),
    );
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

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await closeServer(this.server);
  }
}
