import { telemetryTopic } from "@fleetline/core/devices";
import type { FaultProfile } from "./chaos.js";
import { type FleetType, planFleet } from "./fleet.js";
import { Simulation, type SimulationCounts } from "./simulation.js";

export interface DryRunOptions {
  devices: number;
  type: FleetType;
  rateHz: number;
  durationMs: number;
  seed: string;
  faults: FaultProfile;
  prefix: string;
  /** Simulation start, epoch ms: fixed, so that runs are reproducible. */
  start: number;
}

/**
 * Runs the fleet on a virtual clock without connecting, and returns the messages it would send,
 * one JSON line each (`{"at","topic","payload"}`): byte-identical for the same options and seed.
 */
export function dryRun(options: DryRunOptions): { lines: string[]; counts: SimulationCounts } {
  const fleet = planFleet(options);
  const simulation = new Simulation(fleet, {
    rateHz: options.rateHz,
    start: options.start,
    faults: options.faults,
    live: false,
  });
  const lines: string[] = [];
  const sink = {
    emit: ({
      device,
      at,
      payload,
    }: {
      device: { type: "freestyle" | "robot"; thing: string };
      at: number;
      payload: Uint8Array;
    }) => {
      lines.push(
        JSON.stringify({
          at,
          topic: telemetryTopic(device.type, device.thing),
          payload: new TextDecoder().decode(payload),
        }),
      );
    },
  };
  const end = options.start + options.durationMs;
  for (let now = simulation.nextDue; now < end; now = simulation.nextDue) simulation.advance(now, sink);
  simulation.flush(sink);
  return { lines, counts: simulation.counts };
}
