import { z } from "zod";
import { faultSchema } from "./fault.js";

export const ROBOT_STATES = [
  "docked",
  "charging",
  "cleaning",
  "returning",
  "stuck",
  "error",
  "paused",
] as const;

export const ROBOT_FAULT_CODES = [
  "STUCK",
  "CLIFF_SENSOR",
  "WHEEL_JAMMED",
  "BRUSH_JAMMED",
  "BATTERY_CRITICAL",
  "BIN_FULL",
] as const;

/** Metrics of a Roomba-style cleaning robot (docs/reference/contract.md §1). */
export const RobotMetrics = z.strictObject({
  batteryPct: z.number().min(0).max(100),
  state: z.enum(ROBOT_STATES),
  binFull: z.boolean(),
  x: z.number().meta({ description: "metres" }),
  y: z.number().meta({ description: "metres" }),
  areaM2: z.number().min(0).meta({ description: "area cleaned in this mission" }),
  rssiDbm: z.number().min(-120).max(0),
});
export type RobotMetrics = z.infer<typeof RobotMetrics>;

export const RobotFault = faultSchema(ROBOT_FAULT_CODES);
export type RobotFault = z.infer<typeof RobotFault>;
