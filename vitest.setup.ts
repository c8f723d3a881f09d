import { survivingClosedSockets } from "@fleetline/testing";
import { afterAll, afterEach } from "vitest";

// A test's GET on a keep-alive socket the server has just closed is sent again on a new one, as
// HTTP clients do; the runtime's own listeners keep idle sockets 65 s (packages/local/src/net/keep-alive.ts).
globalThis.fetch = survivingClosedSockets(globalThis.fetch);

/**
 * Fails the test during which a promise rejection went unhandled or an exception escaped to the
 * event loop: in the runtime either would end the process, so a test that only "passes" beside one
 * proves nothing.
 */
const escaped: unknown[] = [];
const keep = (error: unknown) => {
  escaped.push(error);
};
process.on("unhandledRejection", keep);
process.on("uncaughtException", keep);

function check(): void {
  const errors = escaped.splice(0);
  if (errors.length === 0) return;
  const first = errors[0] instanceof Error ? (errors[0].stack ?? errors[0].message) : String(errors[0]);
  throw new AggregateError(
    errors,
    `${errors.length} unhandled rejection(s) or uncaught exception(s): ${first}`,
  );
}

afterEach(check);
afterAll(check);
