import { describe, expect, it } from "vitest";
import {
  checkRegistration,
  isThingName,
  RESERVED_THING_NAMES,
  RUNTIME_IDENTITIES,
} from "../src/devices/index.js";

describe("the runtime's own identities", () => {
  it("are no thing name, and the names they had are refused at registration", () => {
    for (const identity of Object.values(RUNTIME_IDENTITIES))
      expect(isThingName(identity), identity).toBe(false);
    for (const name of [...RESERVED_THING_NAMES, "Fleetline-Service"])
      expect(() => checkRegistration(name, "robot"), name).toThrow(/reserved/);
    expect(() => checkRegistration("fleetline-demo-1", "robot")).not.toThrow();
  });
});
