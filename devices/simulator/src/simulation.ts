import { MAX_FUTURE_SKEW_MS } from "@fleetline/core/telemetry";
import { encodeTelemetry } from "@fleetline/device-client";
import { type FaultProfile, mischief } from "./chaos.js";
import type { SimulatedDevice } from "./fleet.js";

/** One message leaving a simulated device. */
export interface Emission {
  device: SimulatedDevice;
  /** When the device sent it (simulation time). */
  at: number;
  payload: Uint8Array;
  seq: number;
  /** The pipeline must reject it (malformed, or a clock far ahead). */
  invalid: boolean;
}

export interface Sink {
  emit(emission: Emission): void;
  /** The device loses its network for `ms` after its last message (chaos, live only). */
  offline?(device: SimulatedDevice, ms: number): void;
}

export interface SimulationCounts {
  messages: number;
  /** Messages the pipeline must reject (each copy counts). */
  invalid: number;
  /** Valid messages sent a second time: received twice, stored once. */
  duplicates: number;
  reordered: number;
}

interface DeviceSchedule {
  device: SimulatedDevice;
  nextAt: number;
  seq: number;
  held?: Emission;
}

/**
 * The fleet's clockwork: every device reports `rateHz` times a second of simulation time, its
 * model advanced to the report's time, with the fault profile's mischief applied. The same seed
 * and start give the same emissions, byte for byte.
 */
export class Simulation {
  readonly counts: SimulationCounts = { messages: 0, invalid: 0, duplicates: 0, reordered: 0 };
  private readonly schedules: DeviceSchedule[];
  private readonly period: number;

  constructor(
    devices: SimulatedDevice[],
    private readonly options: { rateHz: number; start: number; faults: FaultProfile; live: boolean },
  ) {
    this.period = 1000 / options.rateHz;
    this.schedules = devices.map((device) => ({
      device,
      nextAt: options.start + Math.floor(device.phase * this.period),
      seq: 0,
    }));
  }

  /** The earliest time a device reports next. */
  get nextDue(): number {
    return Math.min(...this.schedules.map((s) => s.nextAt));
  }

  /** Emits every report due up to `now`, in device order. */
  advance(now: number, sink: Sink): void {
    for (const schedule of this.schedules) {
      while (schedule.nextAt <= now) {
        this.report(schedule, sink);
        schedule.nextAt += this.period;
      }
    }
  }

  private emit(emission: Emission, sink: Sink): void {
    this.counts.messages += 1;
    if (emission.invalid) this.counts.invalid += 1;
    sink.emit(emission);
  }

  private report(schedule: DeviceSchedule, sink: Sink): void {
    const { device } = schedule;
    const at = Math.round(schedule.nextAt);
    const report = device.model.step(at);
    const trick = mischief(this.options.faults, device.random, this.options.live);
    const seq = schedule.seq++;
    let payload = encodeTelemetry(seq, at + trick.skewMs, report);
    let invalid = trick.skewMs > MAX_FUTURE_SKEW_MS;
    if (trick.malformed) {
      payload = trick.malformed(payload);
      invalid = true;
    }
    const emission: Emission = { device, at, payload, seq, invalid };
    if (trick.reorder && !schedule.held) {
      schedule.held = emission;
      this.counts.reordered += 1;
      return;
    }
    this.emit(emission, sink);
    if (trick.duplicate) {
      // An invalid message sent twice is rejected twice; a valid one is stored once.
      if (!emission.invalid) this.counts.duplicates += 1;
      this.emit(emission, sink);
    }
    if (schedule.held) {
      this.emit(schedule.held, sink);
      schedule.held = undefined;
    }
    if (trick.offlineMs > 0) sink.offline?.(device, trick.offlineMs);
  }

  /** Sends what chaos held back for reordering. */
  flush(sink: Sink): void {
    for (const schedule of this.schedules) {
      if (schedule.held) this.emit(schedule.held, sink);
      schedule.held = undefined;
    }
  }
}
