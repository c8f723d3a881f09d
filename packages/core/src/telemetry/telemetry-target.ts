import { fleetlineError } from "../common/errors.js";

/**
 * Where a stage keeps its telemetry on AWS: `lake` (S3 + Athena, serverless, for any account) or
 * `timestream` (Timestream for LiveAnalytics, for accounts that still have it). Chosen per stage
 * with FLEETLINE_TELEMETRY when deploying; the functions get it in the same variable.
 */
export const TELEMETRY_TARGETS = ["lake", "timestream"] as const;
export type TelemetryTarget = (typeof TELEMETRY_TARGETS)[number];
export const DEFAULT_TELEMETRY_TARGET: TelemetryTarget = "lake";

/** The target a setting names (unset: the default); any other value fails, naming it. */
export function telemetryTarget(value: string | undefined): TelemetryTarget {
  if (value === undefined || value === "") return DEFAULT_TELEMETRY_TARGET;
  if ((TELEMETRY_TARGETS as readonly string[]).includes(value)) return value as TelemetryTarget;
  throw fleetlineError(
    "CONFIG_INVALID",
    `FLEETLINE_TELEMETRY is "${value}": a stage keeps its telemetry in ${TELEMETRY_TARGETS.join(" or ")}`,
  );
}
