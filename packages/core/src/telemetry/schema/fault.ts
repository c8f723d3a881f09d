import { z } from "zod";
import { MAX_FAULT_DETAIL_CHARS } from "../limits.js";

export const SEVERITIES = ["critical", "major", "minor"] as const;
export const Severity = z.enum(SEVERITIES);
export type Severity = z.infer<typeof Severity>;

/** One fault entry of a telemetry message; `codes` are the fault codes of one device type. */
export function faultSchema<const C extends readonly [string, ...string[]]>(codes: C) {
  return z.strictObject({
    code: z.enum(codes),
    severity: Severity,
    detail: z.string().max(MAX_FAULT_DETAIL_CHARS).optional(),
  });
}
