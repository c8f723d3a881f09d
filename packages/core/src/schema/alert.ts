import { z } from "zod";
import { DEVICE_TYPES } from "../device-types.js";
import type { SortPosition } from "../paging.js";
import { Severity } from "./fault.js";

export const ALERT_STATUSES = ["open", "acked", "cleared"] as const;

/** One alert record, published on `alerts/fleetline/{type}/{thing}` at each change (docs/contract.md §1). */
export const AlertRecord = z.object({
  id: z.string(),
  thing: z.string(),
  type: z.enum(DEVICE_TYPES),
  code: z.string(),
  severity: Severity,
  status: z.enum(ALERT_STATUSES),
  openedAt: z.int(),
  ackedAt: z.int().optional(),
  clearedAt: z.int().optional(),
  occurrences: z.int().min(1),
  lastSeenAt: z.int(),
  detail: z.string().optional(),
});
export type AlertRecord = z.infer<typeof AlertRecord>;

/** Where an alert sorts in listings: by the time it opened, then its id. */
export function alertPosition(alert: AlertRecord): SortPosition {
  return { at: alert.openedAt, id: alert.id };
}
