import type { DeviceType } from "@fleetline/core/devices";
import type { Report } from "@fleetline/device-client";

/** A simulated machine: advances in time, reports, and obeys its shadow. */
export interface DeviceModel {
  readonly type: DeviceType;
  /** Advances the machine to `now` and returns what it reports. */
  step(now: number): Report;
  /** Applies a shadow delta; returns the state to report back (`state.reported`). */
  applyDesired(desired: Record<string, unknown>): Record<string, unknown>;
}

/** Whether the models may develop faults (profile `none`: a healthy fleet). */
export interface ModelOptions {
  faults: boolean;
}

export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
export const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
