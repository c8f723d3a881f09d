import { describe, expect, it } from "vitest";
import type { FunctionInvoker } from "../src/redrive/index.js";
import { useFixture } from "./fixture.js";

/** What every invoker is set up with: a function that answers with its event, and one that fails. */
export const CONTRACT_FUNCTIONS: Record<string, (event: unknown) => Promise<unknown>> = {
  "contract-echo": async (event) => ({ received: event }),
  "contract-broken": async () => {
    throw new TypeError("broken on purpose");
  },
};

/** The behaviour every function invoker must have, set up with `CONTRACT_FUNCTIONS`. */
export function describeFunctionInvokerContract(
  name: string,
  setup: (
    functions: typeof CONTRACT_FUNCTIONS,
  ) => Promise<{ invoker: FunctionInvoker; close(): Promise<void> }>,
) {
  describe(`${name} (function invoker contract)`, () => {
    const current = useFixture(() => setup(CONTRACT_FUNCTIONS));

    it("knows the deployment's functions and no other", async () => {
      expect(await current().invoker.has("contract-echo")).toBe(true);
      expect(await current().invoker.has("contract-broken")).toBe(true);
      expect(await current().invoker.has("contract-elsewhere")).toBe(false);
    });

    it("resolves with what the function returned, its event passed as JSON", async () => {
      const event = { Records: [{ kinesis: { data: "eyJhIjoxfQ==", sequenceNumber: "1" } }] };
      expect(await current().invoker.invoke("contract-echo", event)).toEqual({ received: event });
    });

    it("rejects with the function's own error message when it fails", async () => {
      await expect(current().invoker.invoke("contract-broken", {})).rejects.toThrow(/broken on purpose/);
    });

    it("refuses a function that is not the deployment's", async () => {
      await expect(current().invoker.invoke("contract-elsewhere", {})).rejects.toThrow(/contract-elsewhere/);
    });
  });
}
