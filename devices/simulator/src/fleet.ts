import { DEVICE_TYPES, type DeviceType } from "@fleetline/core/devices";
import type { FaultProfile } from "./chaos.js";
import type { DeviceModel, ModelOptions } from "./models/device-model.js";
import { FreestyleModel } from "./models/freestyle-model.js";
import { RobotModel } from "./models/robot-model.js";
import { createRandom, type Random } from "./random.js";

export type FleetType = DeviceType | "mixed";

/** Each device type's model and the short tag in its simulated thing names (`sim-fs-0001`). */
const MODELS: Record<
  DeviceType,
  { tag: string; create(random: Random, options: ModelOptions): DeviceModel }
> = {
  freestyle: { tag: "fs", create: (random, options) => new FreestyleModel(random, options) },
  robot: { tag: "rb", create: (random, options) => new RobotModel(random, options) },
};

export interface SimulatedDevice {
  thing: string;
  type: DeviceType;
  model: DeviceModel;
  random: Random;
  /** Offset of this device's reports within each period, so a fleet does not report in lockstep. */
  phase: number;
}

/** The fleet for a seed: the same seed, size and type give the same devices, names and models. */
export function planFleet(options: {
  devices: number;
  type: FleetType;
  seed: string;
  prefix: string;
  faults: FaultProfile;
}): SimulatedDevice[] {
  const root = createRandom(options.seed);
  const width = Math.max(4, String(options.devices).length);
  return Array.from({ length: options.devices }, (_, i) => {
    // A mixed fleet takes the types in turn.
    const type: DeviceType =
      options.type === "mixed" ? (DEVICE_TYPES[i % DEVICE_TYPES.length] as DeviceType) : options.type;
    const { tag, create } = MODELS[type];
    const thing = `${options.prefix}-${tag}-${String(i + 1).padStart(width, "0")}`;
    const random = root.fork(thing);
    const model = create(random.fork("model"), { faults: options.faults !== "none" });
    return { thing, type, model, random: random.fork("schedule"), phase: random.next() };
  });
}
