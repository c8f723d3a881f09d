import type { Server, ServerResponse } from "node:http";

/**
 * How long the runtime's HTTP listeners keep an idle keep-alive connection: longer than any common
 * client pools one (undici, Node's agents, the AWS SDK), as load balancers do (60–65 s). Node's
 * default, 5 s, is shorter than some clients' pools, and a client that reuses a socket just as the
 * server closes it sees "other side closed" on a request it never got to send.
 */
export const IDLE_CONNECTION_MS = 65_000;

/**
 * What the responses tell clients (`Keep-Alive: timeout=5`): clients that read the hint (undici, so
 * `fetch`) drop a pooled socket a second before it, a minute before the server would.
 */
export const ADVERTISED_KEEP_ALIVE = "timeout=5";

/** Keeps idle connections IDLE_CONNECTION_MS; a request's headers still have to arrive within it. */
export function holdIdleConnections(server: Server): void {
  server.keepAliveTimeout = IDLE_CONNECTION_MS;
  server.headersTimeout = IDLE_CONNECTION_MS + 1_000;
}

/** Advertises the short keep-alive hint on a response (Node then sends no hint of its own). */
export function adviseKeepAlive(response: ServerResponse): void {
  if (!response.headersSent) response.setHeader("keep-alive", ADVERTISED_KEEP_ALIVE);
}
