import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { telemetryJsonSchema, validate } from "../src/telemetry/index.js";
import { validFreestyle, validRobot } from "./arbitraries.js";
import { envelope, freestyleMetrics, freestylePayload, robotEnvelope, robotPayload } from "./factories.js";

const committed = JSON.parse(readFileSync(new URL("../schema/telemetry.v1.json", import.meta.url), "utf8"));

function schemaFor(type: "freestyle" | "robot") {
  const ajv = new Ajv2020({ strict: false });
  ajv.addSchema(committed);
  const check = ajv.getSchema(`${committed.$id}#/$defs/${type}`);
  if (check === undefined) throw new Error(`no $defs.${type} in the committed schema`);
  return check;
}

describe("the committed JSON Schema", () => {
  it("is what the zod schemas generate (run `npm run schema` after changing them)", () => {
    expect(committed).toEqual(telemetryJsonSchema());
  });

  it("accepts every payload validate accepts", () => {
    const freestyle = schemaFor("freestyle");
    const robot = schemaFor("robot");
    fc.assert(
      fc.property(validFreestyle, (payload) => validate(envelope(payload)).ok && freestyle(payload) === true),
    );
    fc.assert(
      fc.property(validRobot, (payload) => validate(robotEnvelope(payload)).ok && robot(payload) === true),
    );
  });

  it.each([
    ["an unknown metric", freestylePayload({ metrics: freestyleMetrics({ humidity: 1 }) })],
    [
      "a cartridge at 100.01 %",
      freestylePayload({ metrics: freestyleMetrics({ cartridges: { cola: 100.01 } }) }),
    ],
    ["a missing seq", freestylePayload({ seq: undefined })],
    ["version 2", freestylePayload({ v: 2 })],
    ["a robot fault code", freestylePayload({ faults: [{ code: "STUCK", severity: "minor" }] })],
    ["33 faults", freestylePayload({ faults: Array(33).fill({ code: "CO2_LOW", severity: "minor" }) })],
    [
      "49 cartridges",
      freestylePayload({
        metrics: freestyleMetrics({
          cartridges: Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`f${i}`, 1])),
        }),
      }),
    ],
  ])("rejects %s, as validate does", (_what, payload) => {
    expect(validate(envelope(payload)).ok).toBe(false);
    expect(schemaFor("freestyle")(JSON.parse(JSON.stringify(payload)))).toBe(false);
  });

  it("rejects a robot payload on the freestyle definition", () => {
    expect(schemaFor("freestyle")(robotPayload())).toBe(false);
    expect(schemaFor("robot")(robotPayload())).toBe(true);
  });
});
