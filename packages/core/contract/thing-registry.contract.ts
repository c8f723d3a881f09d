import { describe, expect, it } from "vitest";
import type { ThingRegistry } from "../src/index.js";
import { useFixture } from "./fixture.js";

/** The behaviour every thing-registry adapter must have. */
export function describeThingRegistryContract(
  name: string,
  setup: () => Promise<{ registry: ThingRegistry; close(): Promise<void> }>,
) {
  describe(`${name} (thing registry contract)`, () => {
    const current = useFixture(setup);

    it("registers a thing once, lists it and removes it", async () => {
      const created = await current().registry.register("rb-reg-1", "robot", 1_000);
      expect(created).toMatchObject({ thing: "rb-reg-1", type: "robot", createdAt: 1_000 });
      const secret = "token" in created ? created.token : created.privateKey;
      expect(secret.length).toBeGreaterThan(30);
      expect(await current().registry.get("rb-reg-1")).toEqual({
        thing: "rb-reg-1",
        type: "robot",
        createdAt: 1_000,
      });
      await expect(current().registry.register("rb-reg-1", "robot")).rejects.toMatchObject({
        code: "CONFLICT",
      });
      expect(await current().registry.list()).toEqual([
        { thing: "rb-reg-1", type: "robot", createdAt: 1_000 },
      ]);
      expect(await current().registry.remove("rb-reg-1")).toBe(true);
      expect(await current().registry.remove("rb-reg-1")).toBe(false);
      expect(await current().registry.get("rb-reg-1")).toBeUndefined();
    });

    it("refuses a thing name outside [A-Za-z0-9_-]{1,64}", async () => {
      await expect(current().registry.register("bad name", "robot")).rejects.toMatchObject({
        code: "CONFIG_INVALID",
      });
    });
  });
}
