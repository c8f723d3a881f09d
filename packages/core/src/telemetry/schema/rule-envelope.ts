import { z } from "zod";

/**
 * What the telemetry rule puts on `fleetline-raw` (docs/reference/contract.md §2): the device's bytes, base64-encoded so
 * that malformed JSON still reaches validation, and where they came from.
 */
export const RuleEnvelope = z.object({
  payload: z.string().meta({ description: "base64 of the MQTT payload" }),
  topic: z.string(),
  clientId: z.string(),
  receivedAt: z.int(),
  messageId: z.string(),
  type: z.string().optional(),
  thing: z.string().optional(),
});
export type RuleEnvelope = z.infer<typeof RuleEnvelope>;
