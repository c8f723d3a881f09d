import { describe, expect, it } from "vitest";
import type { ThingRegistry } from "../src/devices/index.js";
import { useFixture } from "./fixture.js";

/**
 * The behaviour every thing-registry adapter must have. `prefix` is what the registry's thing
 * names start with (an AWS stage's `prod_`; nothing locally).
 */
export function describeThingRegistryContract(
  name: string,
  setup: () => Promise<{ registry: ThingRegistry; close(): Promise<void> }>,
  prefix = "",
) {
  describe(`${name} (thing registry contract)`, () => {
    const current = useFixture(setup);
    const thing = `${prefix}rb-reg-1`;

    it("registers a thing once, lists it and removes it", async () => {
      const created = await current().registry.register(thing, "robot", 1_000);
      expect(created).toMatchObject({ thing, type: "robot", createdAt: 1_000 });
      const secret = "token" in created ? created.token : created.privateKey;
      expect(secret.length).toBeGreaterThan(30);
      expect(await current().registry.get(thing)).toEqual({
        thing,
        type: "robot",
        createdAt: 1_000,
      });
      await expect(current().registry.register(thing, "robot")).rejects.toMatchObject({
        code: "CONFLICT",
      });
      expect(await current().registry.list()).toEqual([{ thing, type: "robot", createdAt: 1_000 }]);
      expect(await current().registry.remove(thing)).toBe(true);
      expect(await current().registry.remove(thing)).toBe(false);
      expect(await current().registry.get(thing)).toBeUndefined();
    });

    it("refuses a thing name outside [A-Za-z0-9_-]{1,64}", async () => {
      await expect(current().registry.register(`${prefix}bad name`, "robot")).rejects.toMatchObject({
        code: "REQUEST_INVALID",
      });
    });
  });
}
