import { recordKey } from "@fleetline/core/telemetry";
import { type FleetSummary, LiveFleet } from "@fleetline/simulator";

/** What identifies a stored message (core's record identity). */
export interface Identity {
  thing: string;
  seq: number;
  ts: number;
}

export interface FleetRunOptions {
  devices: number;
  rateHz: number;
  seed: string;
  prefix: string;
}

/**
 * A simulated fleet sending sequence-numbered telemetry to `fleetline dev`, keeping the identity
 * (thing, seq, ts) of every message the broker acknowledged: what the pipeline owes.
 */
export class FleetRun {
  readonly acked = new Map<string, Identity>();

  private constructor(
    readonly fleet: LiveFleet,
    acked: Map<string, Identity>,
  ) {
    this.acked = acked;
  }

  static async start(url: string, options: FleetRunOptions): Promise<FleetRun> {
    const acked = new Map<string, Identity>();
    const fleet = await LiveFleet.start({
      ...options,
      type: "mixed",
      faults: "default",
      target: { kind: "local", url },
      onAcked: (thing, payload) => {
        const { seq, ts } = JSON.parse(Buffer.from(payload).toString("utf8")) as Identity;
        acked.set(recordKey({ thing, seq, ts }), { thing, seq, ts });
      },
    });
    return new FleetRun(fleet, acked);
  }

  /** Stops sending and waits (up to 30 s) for what the devices still buffer to be acknowledged. */
  stop(): Promise<FleetSummary> {
    return this.fleet.stop(30_000);
  }
}
