import { z } from "zod";
import { MAX_CARTRIDGES } from "../limits.js";
import { faultSchema } from "./fault.js";

export const FREESTYLE_STATES = ["idle", "dispensing", "maintenance", "fault", "locked"] as const;

export const FREESTYLE_FAULT_CODES = [
  "PUMP_FAILURE",
  "COOLING_FAILURE",
  "CO2_LOW",
  "CARTRIDGE_LOW",
  "CARTRIDGE_EMPTY",
  "NOZZLE_CLOG",
  "LEAK_DETECTED",
] as const;

/** Flavor names are also measure names in the telemetry store, so they are kept short and plain. */
export const FLAVOR_NAME_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

export const Cartridges = z
  .record(z.string().regex(FLAVOR_NAME_PATTERN), z.number().min(0).max(100))
  .refine((levels) => Object.keys(levels).length <= MAX_CARTRIDGES, {
    message: `at most ${MAX_CARTRIDGES} cartridges`,
  })
  .meta({ maxProperties: MAX_CARTRIDGES, description: "flavor → fill level in percent" });

/** Metrics of a Freestyle-style drink dispenser (docs/reference/contract.md §1). */
export const FreestyleMetrics = z.strictObject({
  cabinetTempC: z.number().min(-10).max(40),
  co2Kpa: z.number().min(0).max(1000),
  waterKpa: z.number().min(0).max(1000),
  pours: z.int().min(0).meta({ description: "pours since the last report" }),
  cartridges: Cartridges,
  state: z.enum(FREESTYLE_STATES),
});
export type FreestyleMetrics = z.infer<typeof FreestyleMetrics>;

export const FreestyleFault = faultSchema(FREESTYLE_FAULT_CODES);
export type FreestyleFault = z.infer<typeof FreestyleFault>;
