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

    it("adds a certificate to a thing that exists, and none to one that does not", async () => {
      const other = `${prefix}rb-reg-2`;
      await current().registry.register(other, "robot", 2_000);
      const added = await current().registry.addCertificate(other, 3_000);
      expect(added).toMatchObject({ thing: other, type: "robot", createdAt: 2_000 });
      expect(added.certificateArn).toMatch(/:cert\/[0-9a-f]{64}$/);
      expect(added.privateKey.length).toBeGreaterThan(30);
      const again = await current().registry.addCertificate(other);
      expect(again.certificateArn).not.toBe(added.certificateArn);
      await expect(current().registry.addCertificate(`${prefix}rb-nobody`)).rejects.toMatchObject({
        code: "NOT_FOUND",
      });
      expect(await current().registry.remove(other)).toBe(true);
    });

    it("refuses a thing name outside [A-Za-z0-9_-]{1,64}", async () => {
      await expect(current().registry.register(`${prefix}bad name`, "robot")).rejects.toMatchObject({
        code: "REQUEST_INVALID",
      });
    });
  });
}
