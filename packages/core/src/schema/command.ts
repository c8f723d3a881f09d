import { z } from "zod";

export const COMMAND_STATUSES = ["pending", "delivered", "expired"] as const;

/** A shadow `desired` update the pipeline sent a device, tracked until it is reported back (SPEC §4). */
export const Command = z.object({
  id: z.string(),
  thing: z.string(),
  desired: z.record(z.string(), z.unknown()),
  clientToken: z.string().max(64),
  status: z.enum(COMMAND_STATUSES),
  createdAt: z.int(),
  deliveredAt: z.int().optional(),
  expiresAt: z.int(),
});
export type Command = z.infer<typeof Command>;
