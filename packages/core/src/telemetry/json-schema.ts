import { z } from "zod";
import { DEVICE_TYPES } from "../devices/device-types.js";
import { TELEMETRY_SCHEMAS } from "./schema/telemetry.js";

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
      "Payload published on dt/fleetline/{type}/{thing}/telemetry. Use " +
      DEVICE_TYPES.map((type) => `$defs.${type} for type '${type}'`).join(", ") +
      ". At most 131072 bytes of UTF-8; 'ts' at most " +
      "15 minutes ahead of and 7 days behind the broker's receive time; the keys __proto__, " +
      "constructor and prototype are rejected anywhere.",
    $defs: Object.fromEntries(DEVICE_TYPES.map((type) => [type, definition(TELEMETRY_SCHEMAS[type])])),
    anyOf: DEVICE_TYPES.map((type) => ({ $ref: `#/$defs/${type}` })),
  };
}
