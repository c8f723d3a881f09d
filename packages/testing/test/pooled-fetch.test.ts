import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { survivingClosedSockets } from "../src/pooled-fetch.js";

// The tests' global fetch survives closed sockets already (vitest.setup.ts): this is undici's own.
const direct = (globalThis.fetch as { direct?: typeof fetch }).direct ?? globalThis.fetch;
let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** A server that answers each connection's first request and drops the connection on its second. */
async function closingAfterOne(): Promise<{ url: string; answered: () => number }> {
  let answered = 0;
  const served = new WeakMap<object, number>();
  server = createServer((request, response) => {
    const count = (served.get(request.socket) ?? 0) + 1;
    served.set(request.socket, count);
    if (count > 1) {
      request.socket.destroy();
      return;
    }
    answered += 1;
    response.end(JSON.stringify({ answered }));
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, answered: () => answered };
}

/** Reads a response whole, then lets the client put its socket back in the pool (its next turn). */
const drained = async (response: Promise<Response>) => {
  await (await response).text();
  await new Promise((resolve) => setImmediate(resolve));
};

describe("survivingClosedSockets", () => {
  it("sends a GET again on a new connection when its pooled one was closed under it", async () => {
    const { url, answered } = await closingAfterOne();
    // Without it, undici's fetch reuses the pooled socket and fails: "other side closed".
    await drained(direct(url));
    await expect(direct(url)).rejects.toMatchObject({ cause: { code: "UND_ERR_SOCKET" } });
    const surviving = survivingClosedSockets(direct);
    await drained(surviving(url));
    expect(await (await surviving(url)).json()).toEqual({ answered: answered() });
  });

  it("does not send a POST twice", async () => {
    const { url } = await closingAfterOne();
    const surviving = survivingClosedSockets(direct);
    await drained(surviving(url, { method: "POST", body: "{}" }));
    await expect(surviving(url, { method: "POST", body: "{}" })).rejects.toMatchObject({
      cause: { code: "UND_ERR_SOCKET" },
    });
  });
});
