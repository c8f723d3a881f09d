import { z } from "zod";
import type { DeviceType } from "../device-types.js";
import { MAX_FAULTS } from "../limits.js";
import { FreestyleFault, FreestyleMetrics } from "./freestyle.js";
import { RobotFault, RobotMetrics } from "./robot.js";

const envelopeFields = {
  v: z.literal(1).meta({ description: "schema version; only 1 exists" }),
  seq: z.int().min(0).meta({ description: "increasing per device; used for dedupe and loss detection" }),
  ts: z.int().min(0).meta({ description: "device time, epoch milliseconds" }),
};

/** The v1 payload a dispenser publishes on `dt/fleetline/freestyle/{thing}/telemetry`. */
export const FreestyleTelemetry = z
  .strictObject({
    ...envelopeFields,
    metrics: FreestyleMetrics,
    faults: z.array(FreestyleFault).max(MAX_FAULTS).optional(),
  })
  .meta({ title: "Fleetline freestyle telemetry v1" });
export type FreestyleTelemetry = z.infer<typeof FreestyleTelemetry>;

/** The v1 payload a robot publishes on `dt/fleetline/robot/{thing}/telemetry`. */
export const RobotTelemetry = z
  .strictObject({
    ...envelopeFields,
    metrics: RobotMetrics,
    faults: z.array(RobotFault).max(MAX_FAULTS).optional(),
  })
  .meta({ title: "Fleetline robot telemetry v1" });
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
