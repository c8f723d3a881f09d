import type { DeviceType } from "@fleetline/core";
import type { FaultProfile } from "./chaos.js";
import type { DeviceModel } from "./models/device-model.js";
import { FreestyleModel } from "./models/freestyle-model.js";
import { RobotModel } from "./models/robot-model.js";
import { createRandom, type Random } from "./random.js";

export type FleetType = DeviceType | "mixed";

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
    const type: DeviceType = options.type === "mixed" ? (i % 2 === 0 ? "freestyle" : "robot") : options.type;
    const thing = `${options.prefix}-${type === "freestyle" ? "fs" : "rb"}-${String(i + 1).padStart(width, "0")}`;
    const random = root.fork(thing);
    const modelOptions = { faults: options.faults !== "none" };
    const model =
      type === "freestyle"
        ? new FreestyleModel(random.fork("model"), modelOptions)
        : new RobotModel(random.fork("model"), modelOptions);
    return { thing, type, model, random: random.fork("schedule"), phase: random.next() };
  });
}
