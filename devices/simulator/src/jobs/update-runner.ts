import { readUpdateDocument } from "@fleetline/core/commands";
import type { DeviceType } from "@fleetline/core/devices";
import {
  type DeviceClient,
  type JobExecution,
  JobInterrupted,
  type JobRunner,
} from "@fleetline/device-client";
import type { SimulatedDevice } from "../fleet.js";
import { FreestyleModel } from "../models/freestyle-model.js";
import { RobotModel } from "../models/robot-model.js";

/** How long an update's steps take on a simulated machine. */
export interface UpdateTiming {
  /** A robot's download speed. */
  bytesPerSecond: number;
  installMs: number;
  rebootMs: number;
  /** A dispenser applying a catalogue. */
  applyMs: number;
}

export const DEFAULT_TIMING: UpdateTiming = {
  bytesPerSecond: 1_048_576,
  installMs: 1_500,
  rebootMs: 1_000,
  applyMs: 300,
};

/** The steps an update can fail at, on each kind of machine. */
const FAILING_STEPS: Record<DeviceType, string[]> = { robot: ["download", "install"], freestyle: ["apply"] };

/** The share of updates that fail on each kind of machine, unless a fleet says otherwise. */
export const FAILURE_RATES: Record<DeviceType, number> = { robot: 0.02, freestyle: 0.005 };

export interface UpdateOptions {
  /** The share of executions that fail (default FAILURE_RATES for the device's type). */
  failureRate?: number;
  /** Chaos: a robot may crash mid-install and resume after its restart. */
  chaos: boolean;
  timing?: Partial<UpdateTiming>;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * What a simulated machine does with its jobs: a robot downloads firmware (at its speed), installs
 * it, reboots into it — counting telemetry from seq 0 again — and reports the new `firmware` in its
 * shadow; a dispenser applies a flavor catalogue and reports it. Each refuses a document it cannot
 * run, fails at the model's rate (the same executions for the same seed), and under chaos a robot
 * may crash mid-install, then resume from the step its execution last reported.
 */
export function updateRunner(
  device: SimulatedDevice,
  client: DeviceClient,
  options: UpdateOptions,
): JobRunner {
  const timing = { ...DEFAULT_TIMING, ...options.timing };
  const failureRate = options.failureRate ?? FAILURE_RATES[device.type];
  // Whether an execution fails, and at which of its steps: decided once per execution, from the seed.
  const fails = (execution: JobExecution, step: string) => {
    const random = device.random.fork(`job/${execution.jobId}/${execution.executionNumber}`);
    return random.chance(failureRate) && random.pick(FAILING_STEPS[device.type]) === step;
  };
  return {
    refuse: (document) => {
      const read = readUpdateDocument(device.type, document);
      return read.ok ? undefined : read.reason;
    },
    run: async (execution, progress): Promise<Record<string, string>> => {
      const read = readUpdateDocument(device.type, execution.document);
      if (!read.ok) throw new Error(read.reason);
      const update = read.document;
      if (update.operation === "catalogue" && device.model instanceof FreestyleModel) {
        await progress({ step: "applying", catalogue: update.version });
        await pause(timing.applyMs);
        if (fails(execution, "apply"))
          throw new Error("the dispenser's controller did not take the catalogue");
        device.model.applyCatalogue(update.version, update.flavors);
        await client.reportState({ catalogue: update.version, flavors: device.model.flavors });
        return { catalogue: update.version };
      }
      if (update.operation !== "firmware" || !(device.model instanceof RobotModel))
        throw new Error(`cannot run ${update.operation} here`);
      const robot = device.model;
      // Back from the reboot into the new image: it runs, so the update is done.
      if (execution.statusDetails.step === "rebooting" && robot.firmware === update.version) {
        await client.reportState({ firmware: robot.firmware });
        return { firmware: robot.firmware };
      }
      if (execution.statusDetails.step !== "installing") {
        await progress({ step: "downloading", firmware: update.version });
        await pause(Math.round((update.sizeBytes / timing.bytesPerSecond) * 1000));
        if (fails(execution, "download"))
          throw new Error(`the image of ${update.version} failed its checksum`);
      }
      await progress({ step: "installing", firmware: update.version });
      const crash =
        options.chaos &&
        device.random.fork(`crash/${execution.jobId}/${execution.executionNumber}`).chance(0.1);
      await pause(crash ? timing.installMs / 2 : timing.installMs);
      if (crash && execution.statusDetails.step !== "installing") {
        // Power lost mid-install: it restarts on the old image and resumes the install.
        await client.reboot(timing.rebootMs, { resetSeq: true });
        throw new JobInterrupted("crashed while installing");
      }
      if (fails(execution, "install"))
        throw new Error(`installing ${update.version} failed: flash write error`);
      await progress({ step: "rebooting", firmware: update.version });
      robot.firmware = update.version;
      await client.reboot(timing.rebootMs, { resetSeq: true });
      throw new JobInterrupted(`rebooting into ${update.version}`);
    },
  };
}
