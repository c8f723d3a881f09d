import { z } from "zod";
import type { SortPosition } from "../common/paging.js";
import { RETENTION } from "../pipeline/retention.js";

export const COMMAND_STATUSES = ["pending", "delivered", "expired", "failed"] as const;
export type CommandStatus = (typeof COMMAND_STATUSES)[number];

/**
 * A shadow `desired` update the pipeline sent a device, tracked until the device reports it
 * (delivered), its deadline passes (expired) or the shadow refuses it (failed, with the reason).
 */
export const Command = z.object({
  id: z.string(),
  thing: z.string(),
  desired: z.record(z.string(), z.unknown()),
  clientToken: z.string().max(64),
  status: z.enum(COMMAND_STATUSES),
  createdAt: z.int(),
  deliveredAt: z.int().optional(),
  expiresAt: z.int(),
  expiredAt: z.int().optional(),
  failedAt: z.int().optional(),
  /** Why the shadow refused it, for a failed command. */
  error: z.string().optional(),
});
export type Command = z.infer<typeof Command>;

/** Where a command sorts in listings: by the time it was created, then its id. */
export function commandPosition(command: Command): SortPosition {
  return { at: command.createdAt, id: command.id };
}

/** When a store may forget a command: a month after it finished; never while pending. */
export function commandExpiresAt(command: Command): number | undefined {
  if (command.status === "pending") return undefined;
  const finishedAt = command.deliveredAt ?? command.expiredAt ?? command.failedAt ?? command.expiresAt;
  return finishedAt + RETENTION.finishedCommandMs;
}
