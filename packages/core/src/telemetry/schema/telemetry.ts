import { z } from "zod";
import type { DeviceType } from "../../devices/device-types.js";
import { MAX_FAULTS } from "../limits.js";
import { FreestyleFault, FreestyleMetrics } from "./freestyle.js";
import { RobotFault, RobotMetrics } from "./robot.js";

/** The v1 payload of one device type: the common envelope around that type's metrics and faults. */
function telemetrySchema<M extends z.ZodType, F extends z.ZodType>(metrics: M, fault: F, title: string) {
  return z
    .strictObject({
      v: z.literal(1).meta({ description: "schema version; only 1 exists" }),
      seq: z.int().min(0).meta({ description: "increasing per device; used for dedupe and loss detection" }),
      ts: z.int().min(0).meta({ description: "device time, epoch milliseconds" }),
      metrics,
      faults: z.array(fault).max(MAX_FAULTS).optional(),
    })
    .meta({ title });
}

/** The v1 payload a dispenser publishes on `dt/fleetline/freestyle/{thing}/telemetry`. */
export const FreestyleTelemetry = telemetrySchema(
  FreestyleMetrics,
  FreestyleFault,
  "Fleetline freestyle telemetry v1",
);
export type FreestyleTelemetry = z.infer<typeof FreestyleTelemetry>;

/** The v1 payload a robot publishes on `dt/fleetline/robot/{thing}/telemetry`. */
export const RobotTelemetry = telemetrySchema(RobotMetrics, RobotFault, "Fleetline robot telemetry v1");
export type RobotTelemetry = z.infer<typeof RobotTelemetry>;

export const TELEMETRY_SCHEMAS = {
  freestyle: FreestyleTelemetry,
  robot: RobotTelemetry,
} as const satisfies Record<DeviceType, z.ZodType>;

const recordFields = {
  thing: z.string(),
  seq: z.int().min(0),
  ts: z.int(),
  receivedAt: z.int(),
  messageId: z.string(),
};

/**
 * A validated message as the pipeline carries it on `fleetline-validated` and stores it:
 * the device's payload with its origin, and `faults` always present.
 */
export const TelemetryRecord = z.discriminatedUnion("type", [
  z.object({
    ...recordFields,
    type: z.literal("freestyle"),
    metrics: FreestyleMetrics,
    faults: z.array(FreestyleFault),
  }),
  z.object({ ...recordFields, type: z.literal("robot"), metrics: RobotMetrics, faults: z.array(RobotFault) }),
]);
export type TelemetryRecord = z.infer<typeof TelemetryRecord>;
