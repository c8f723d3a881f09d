import { describe, expect, it } from "vitest";
import type { ShadowGateway } from "../src/commands/index.js";
import { useFixture } from "./fixture.js";

/** The behaviour every shadow gateway must have: AWS IoT shadows, through the IoT Data Plane API. */
export function describeShadowGatewayContract(
  name: string,
  setup: () => Promise<{ shadows: ShadowGateway; close(): Promise<void> }>,
) {
  describe(`${name} (shadow gateway contract)`, () => {
    const current = useFixture(setup);

    it("answers undefined for a shadow that does not exist", async () => {
      expect(await current().shadows.get("fs-gw-none")).toBeUndefined();
    });

    it("updates desired with a client token and reads the delta back", async () => {
      const accepted = await current().shadows.update("fs-gw-1", {
        state: { desired: { mode: "maintenance" } },
        clientToken: "t-1",
      });
      expect(accepted).toMatchObject({
        state: { desired: { mode: "maintenance" } },
        version: 1,
        clientToken: "t-1",
      });
      expect(await current().shadows.get("fs-gw-1")).toMatchObject({
        state: { desired: { mode: "maintenance" }, delta: { mode: "maintenance" } },
        version: 1,
      });
    });

    it("sends a document as it was typed, and the service's refusal of a malformed one as REQUEST_INVALID", async () => {
      const typed = new TextEncoder().encode('{"state":{"desired":{"mode":"maintenance"}}}');
      expect((await current().shadows.update("fs-gw-3", typed)).state.desired).toEqual({
        mode: "maintenance",
      });
      await expect(
        current().shadows.update("fs-gw-3", new TextEncoder().encode('{"state":{"desired":')),
      ).rejects.toMatchObject({ code: "REQUEST_INVALID", message: "Invalid JSON" });
      await expect(
        current().shadows.update("fs-gw-3", new TextEncoder().encode('{"desired":{}}')),
      ).rejects.toMatchObject({ code: "REQUEST_INVALID" });
    });

    it("refuses a stale version as CONFLICT", async () => {
      await current().shadows.update("fs-gw-2", { state: { reported: { mode: "idle" } } });
      await expect(
        current().shadows.update("fs-gw-2", { state: { desired: { mode: "x" } }, version: 7 }),
      ).rejects.toMatchObject({
        code: "CONFLICT",
      });
    });
  });
}
