import { z } from "zod";
import { FreestyleTelemetry, RobotTelemetry } from "./schema/telemetry.js";

export const TELEMETRY_SCHEMA_ID = "urn:fleetline:schema:telemetry:v1";

/**
 * The v1 device contract as JSON Schema (draft 2020-12), generated from the zod schemas, for
 * firmware authors. Pick the definition by the `{type}` segment of the topic.
 */
export function telemetryJsonSchema(): Record<string, unknown> {
  const definition = (schema: z.ZodType) => {
    const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: "draft-2020-12" });
    return rest;
  };
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: TELEMETRY_SCHEMA_ID,
    title: "Fleetline device telemetry, v1",
    description:
      "Payload published on dt/fleetline/{type}/{thing}/telemetry. Use $defs.freestyle for type " +
      "'freestyle' and $defs.robot for type 'robot'. At most 131072 bytes of UTF-8; 'ts' at most " +
      "15 minutes ahead of and 7 days behind the broker's receive time; the keys __proto__, " +
      "constructor and prototype are rejected anywhere.",
    $defs: { freestyle: definition(FreestyleTelemetry), robot: definition(RobotTelemetry) },
    anyOf: [{ $ref: "#/$defs/freestyle" }, { $ref: "#/$defs/robot" }],
  };
}
