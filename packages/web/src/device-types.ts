import type { DeviceType } from "@fleetline/core/devices";

export type { DeviceType };

/**
 * The charts of each device type's view, and the type filter's choices: keyed by core's device
 * types, so adding one (docs/architecture.md §5) fails the typecheck until it
 * is here.
 */
export const CHARTED_METRICS: Record<DeviceType, readonly string[]> = {
  freestyle: ["cabinetTempC", "co2Kpa", "waterKpa", "pours"],
  robot: ["batteryPct", "rssiDbm", "areaM2"],
};

export const DEVICE_TYPE_NAMES = Object.keys(CHARTED_METRICS) as DeviceType[];
