import { telemetryTopic } from "@fleetline/core/devices";
import { type LocalTarget, localApi } from "./credentials.js";
import type { SimulatedDevice } from "./fleet.js";
import type { Random } from "./random.js";

/** What the network does to a device's connection under the chaos profile, from the broker's side. */
export const NETWORK_FAULTS = ["drop", "lost-puback", "slow-link"] as const;
export type NetworkFault = (typeof NETWORK_FAULTS)[number];

/** How a fault is set on the broker: `fleetline dev`'s fault switches, over its API. */
export interface FaultSwitchboard {
  set(thing: string, switches: Record<string, unknown>): Promise<void>;
  clear(thing: string): Promise<void>;
  drop(thing: string): Promise<void>;
}

/** The fault switches of `fleetline dev` (docs/guide/conformance.md, "The fault switches"). */
export function httpSwitchboard(target: LocalTarget): FaultSwitchboard {
  const call = async (path: string, method: string, body?: unknown) => {
    const response = await localApi(target, path, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // A device that is not connected just now has no connection to drop: nothing to do.
    if (!response.ok && response.status !== 404) throw new Error(`${method} ${path}: ${response.status}`);
  };
  const path = (thing: string) => `/api/broker/faults/${encodeURIComponent(thing)}`;
  return {
    set: (thing, switches) => call(path(thing), "PUT", switches),
    clear: (thing) => call(path(thing), "DELETE"),
    drop: (thing) => call(`/api/broker/connections/${encodeURIComponent(thing)}/drop`, "POST"),
  };
}

/** How long a fault lasts before the network heals. */
const LOST_PUBACK_RESET_MS = 2_000;
const SLOW_LINK_MS = 5_000;
const SLOW_LINK_DELAY_MS = 1_500;

/**
 * The chaos profile's network faults (docs/guide/simulator.md): now and then, per message sent, the
 * broker drops a device's connection as a network would, loses a PUBACK and then resets the
 * connection (the device must send the message again), or turns the link slow for a while. Seeded
 * per device, as every fault of the simulator is. Counts what it did.
 */
export class NetworkChaos {
  readonly counts: Record<NetworkFault, number> = { drop: 0, "lost-puback": 0, "slow-link": 0 };
  /** Faults the switchboard refused (a runtime without the embedded broker). */
  failed = 0;
  private readonly randoms = new Map<string, Random>();
  /** The faults still set, each with what heals it. */
  private readonly pending = new Map<NodeJS.Timeout, () => Promise<void>>();
  private readonly touched = new Set<string>();
  private readonly inflicting = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly switchboard: FaultSwitchboard,
    /** The chance, per message, that the network misbehaves. */
    private readonly rate = 0.003,
  ) {}

  /** Called for each message a device sends: perhaps inflicts a fault. */
  afterSend(device: SimulatedDevice): void {
    if (this.stopped) return;
    let random = this.randoms.get(device.thing);
    if (!random) {
      random = device.random.fork("network");
      this.randoms.set(device.thing, random);
    }
    if (!random.chance(this.rate)) return;
    const fault = random.pick(NETWORK_FAULTS);
    this.counts[fault] += 1;
    this.touched.add(device.thing);
    const inflicting = this.inflict(fault, device).catch(() => {
      this.failed += 1;
    });
    this.inflicting.add(inflicting);
    void inflicting.finally(() => this.inflicting.delete(inflicting));
  }

  private async inflict(fault: NetworkFault, device: SimulatedDevice): Promise<void> {
    const { thing } = device;
    if (fault === "drop") return this.switchboard.drop(thing);
    if (fault === "lost-puback") {
      await this.switchboard.set(thing, {
        withholdPubacks: 1,
        withholdPubacksOn: telemetryTopic(device.type, thing),
      });
      // The connection resets afterwards, as one whose acknowledgements go missing does.
      return this.later(LOST_PUBACK_RESET_MS, async () => {
        await this.switchboard.clear(thing);
        await this.switchboard.drop(thing);
      });
    }
    await this.switchboard.set(thing, { delayDeliveriesMs: SLOW_LINK_DELAY_MS });
    return this.later(SLOW_LINK_MS, () => this.switchboard.clear(thing));
  }

  private later(ms: number, heal: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      void heal().catch(() => {
        this.failed += 1;
      });
    }, ms);
    this.pending.set(timer, heal);
  }

  /**
   * Heals every fault now (the fleet is stopping): a lost PUBACK's connection is reset at once, so
   * that its message is sent again and acknowledged before the fleet disconnects.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.inflicting);
    const heals = [...this.pending.values()];
    for (const timer of this.pending.keys()) clearTimeout(timer);
    this.pending.clear();
    await Promise.all(heals.map((heal) => heal().catch(() => undefined)));
    await Promise.all([...this.touched].map((thing) => this.switchboard.clear(thing).catch(() => undefined)));
  }
}
