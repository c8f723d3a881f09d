import { z } from "zod";
import type { SortPosition } from "../common/paging.js";
import { DEVICE_TYPES } from "../devices/device-types.js";
import { RETENTION } from "../pipeline/retention.js";
import { Severity } from "../telemetry/schema/fault.js";

export const ALERT_STATUSES = ["open", "acked", "cleared"] as const;

/** One alert record, published on `alerts/fleetline/{type}/{thing}` at each change (docs/reference/contract.md §1). */
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

/** When a store may forget an alert record: a month after it cleared; never while open or acked. */
export function alertExpiresAt(alert: AlertRecord): number | undefined {
  return alert.status === "cleared"
    ? (alert.clearedAt ?? alert.lastSeenAt) + RETENTION.clearedAlertMs
    : undefined;
}
