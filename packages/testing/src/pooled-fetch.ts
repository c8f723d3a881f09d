/** Methods a client may send again after the connection failed (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);
/** A pooled socket the server had closed: undici's "other side closed", a reset, a broken pipe. */
const CLOSED = new Set(["UND_ERR_SOCKET", "ECONNRESET", "EPIPE"]);

/**
 * `fetch` that sends an idempotent request once more on a fresh connection when the pooled one it
 * picked turns out closed before any answer — what HTTP clients do (RFC 9110 §9.2.2), and what
 * undici's `fetch` does not. Anything else (a refusal, a timeout, an answer) is as `fetch` gives it.
 */
export function survivingClosedSockets(
  fetch: typeof globalThis.fetch,
): typeof globalThis.fetch & { direct: typeof globalThis.fetch } {
  const surviving = async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    try {
      return await fetch(input, init);
    } catch (error) {
      const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
      const code = (error as { cause?: { code?: unknown } }).cause?.code;
      if (!IDEMPOTENT.has(method) || typeof code !== "string" || !CLOSED.has(code)) throw error;
      return fetch(input, init);
    }
  };
  return Object.assign(surviving, { direct: fetch });
}
