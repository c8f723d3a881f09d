import { DEVICE_TYPES, type DeviceType } from "../devices/device-types.js";
import { FLAVOR_NAME_PATTERN } from "./schema/freestyle.js";
import type { TelemetryRecord } from "./schema/telemetry.js";

/** The metrics stored as numeric series and queryable per bucket; cartridge levels are `cartridges.{flavor}`. */
export const NUMERIC_METRICS: Record<DeviceType, readonly string[]> = {
  freestyle: ["cabinetTempC", "co2Kpa", "waterKpa", "pours"],
  robot: ["batteryPct", "binFull", "x", "y", "areaM2", "rssiDbm"],
};

export interface Reading {
  metric: string;
  value: number;
}

/** The numeric readings of one record (booleans as 0/1; `state` is categorical and not a series). */
export function readingsOf(record: TelemetryRecord): Reading[] {
  const readings: Reading[] = [];
  const metrics = record.metrics as Record<string, unknown>;
  for (const metric of NUMERIC_METRICS[record.type]) {
    const value = metrics[metric];
    if (typeof value === "number") readings.push({ metric, value });
    else if (typeof value === "boolean") readings.push({ metric, value: value ? 1 : 0 });
  }
  if (record.type === "freestyle") {
    for (const [flavor, level] of Object.entries(record.metrics.cartridges)) {
      readings.push({ metric: `cartridges.${flavor}`, value: level });
    }
  }
  return readings;
}

/** Is `metric` a series a device of this type (or any type) can have? */
export function isQueryableMetric(metric: string, type?: DeviceType): boolean {
  const types: readonly DeviceType[] = type ? [type] : DEVICE_TYPES;
  return types.some(
    (t) =>
      NUMERIC_METRICS[t].includes(metric) ||
      (t === "freestyle" && metric.startsWith("cartridges.") && FLAVOR_NAME_PATTERN.test(metric.slice(11))),
  );
}
