import { DeviceClient, DeviceJobs, MemoryBuffer, type Transport } from "@fleetline/device-client";
import type { FaultProfile } from "./chaos.js";
import { type Target, transportsFor } from "./credentials.js";
import { type FleetType, planFleet, type SimulatedDevice } from "./fleet.js";
import { type UpdateTiming, updateRunner } from "./jobs/update-runner.js";
import { httpSwitchboard, NetworkChaos, type NetworkFault } from "./network-chaos.js";
import { type Emission, Simulation } from "./simulation.js";

/** What makes a fleet: its size, kinds, report rate, seed, fault profile and thing-name prefix. */
export interface FleetOptions {
  devices: number;
  type: FleetType;
  rateHz: number;
  seed: string;
  faults: FaultProfile;
  prefix: string;
}

export interface LiveOptions extends FleetOptions {
  target: Target;
  /** Told of every message the broker acknowledged (PUBACK), with the bytes the device sent. */
  onAcked?: (thing: string, payload: Uint8Array) => void;
  /**
   * The devices take their jobs (AWS IoT Jobs): robots install firmware, dispensers take flavor
   * catalogues, failing at `failureRate` (default per type). `false`: they ignore jobs.
   */
  jobs?: false | { failureRate?: number; timing?: Partial<UpdateTiming> };
  /** Under chaos, the chance per message that the network misbehaves (default 0.003). */
  networkFaultRate?: number;
  /**
   * Unacknowledged messages each device keeps at most (the device client's 10,000 by default); a
   * full buffer drops its oldest, counted in `dropped`. A load test past what the pipeline takes
   * bounds its own memory with it.
   */
  bufferMessages?: number;
}

export interface FleetSummary {
  devices: number;
  connected: number;
  /** Messages the devices sent (duplicates and malformed ones included). */
  sent: number;
  /** Acknowledged by the broker (PUBACK). */
  acked: number;
  /** Sent but never acknowledged. */
  failed: number;
  /** Dropped by a full device buffer. */
  dropped: number;
  /** Sent on purpose to be rejected (chaos). */
  invalid: number;
  /** Sent again after the connection was lost before their PUBACK: the pipeline may see them twice. */
  resent: number;
  /** The network faults chaos had the broker inflict (`fleetline dev` only). */
  network: Record<NetworkFault, number>;
  duplicates: number;
  /** Job executions the devices ended, by outcome (interrupted: a reboot mid-job, resumed after). */
  jobs: { succeeded: number; failed: number; rejected: number; interrupted: number };
}

/**
 * A simulated fleet on a real broker: one DeviceClient per device, each reacting to its shadow
 * deltas (maintenance mode, locked flavors, dock) and reporting its new state back.
 */
export class LiveFleet {
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly fleet: SimulatedDevice[],
    private readonly clients: Map<string, DeviceClient>,
    private readonly simulation: Simulation,
    private readonly jobs: DeviceJobs[],
    private readonly chaos: NetworkChaos | undefined,
  ) {}

  static async start(options: LiveOptions): Promise<LiveFleet> {
    const fleet = planFleet(options);
    const transports = await transportsFor(options.target, fleet);
    const clients = new Map<string, DeviceClient>();
    const jobs: DeviceJobs[] = [];
    fleet.forEach((device, i) => {
      const client = new DeviceClient({
        thing: device.thing,
        type: device.type,
        transport: transports[i] as Transport,
        random: device.random.fork("backoff").next,
        ...(options.bufferMessages === undefined ? {} : { buffer: new MemoryBuffer(options.bufferMessages) }),
      });
      const { onAcked } = options;
      if (onAcked) client.on("acked", (message) => onAcked(device.thing, message.payload));
      client.on("delta", (desired) => {
        const reported = device.model.applyDesired(desired);
        if (Object.keys(reported).length > 0) void client.reportState(reported).catch(() => undefined);
      });
      clients.set(device.thing, client);
      if (options.jobs !== false) {
        const runner = updateRunner(device, client, {
          chaos: options.faults === "chaos",
          failureRate: options.jobs?.failureRate,
          timing: options.jobs?.timing,
        });
        const deviceJobs = new DeviceJobs(client, device.thing, runner);
        deviceJobs.start();
        jobs.push(deviceJobs);
      }
    });
    const all = [...clients.values()];
    for (let i = 0; i < all.length; i += 100)
      await Promise.all(all.slice(i, i + 100).map((client) => client.start()));
    // The clock starts once the fleet is connected: registering and connecting takes a while.
    const { rateHz, faults } = options;
    const simulation = new Simulation(fleet, { rateHz, start: Date.now(), faults, live: true });
    // Under chaos the network misbehaves too: fleetline dev's broker drops, loses and slows.
    const { target } = options;
    const chaos =
      faults === "chaos" && target.kind === "local"
        ? new NetworkChaos(httpSwitchboard(target), options.networkFaultRate)
        : undefined;
    const live = new LiveFleet(fleet, clients, simulation, jobs, chaos);
    live.timer = setInterval(() => live.tick(), 100);
    return live;
  }

  private readonly sink = {
    emit: ({ device, payload, seq }: Emission) => {
      this.clients.get(device.thing)?.sendRaw(payload, seq);
      this.chaos?.afterSend(device);
    },
    offline: (device: SimulatedDevice, ms: number) => void this.clients.get(device.thing)?.goOffline(ms),
  };

  /** The fleet's thing names. */
  get things(): string[] {
    return [...this.clients.keys()];
  }

  /** Takes these devices off the network for `ms`: they buffer, then send in a burst on reconnect. */
  offline(things: readonly string[], ms: number): void {
    for (const thing of things) void this.clients.get(thing)?.goOffline(ms);
  }

  private tick(): void {
    this.simulation.advance(Date.now(), this.sink);
  }

  summary(): FleetSummary {
    let acked = 0;
    let resent = 0;
    let dropped = 0;
    let connected = 0;
    for (const client of this.clients.values()) {
      acked += client.stats.acked;
      resent += client.stats.resent;
      dropped += client.stats.dropped;
      if (client.isConnected) connected += 1;
    }
    const sent = this.simulation.counts.messages;
    const jobs = { succeeded: 0, failed: 0, rejected: 0, interrupted: 0 };
    for (const device of this.jobs)
      for (const key of Object.keys(jobs) as Array<keyof typeof jobs>) jobs[key] += device.stats[key];
    return {
      devices: this.fleet.length,
      connected,
      sent,
      acked,
      failed: sent - acked - dropped,
      dropped,
      invalid: this.simulation.counts.invalid,
      duplicates: this.simulation.counts.duplicates,
      resent,
      network: { ...(this.chaos?.counts ?? { drop: 0, "lost-puback": 0, "slow-link": 0 }) },
      jobs,
    };
  }

  /** Stops reporting, gives buffered messages `flushTimeoutMs` to be acknowledged, disconnects. */
  /** The default outlasts the longest network outage chaos causes (10 s) plus a reconnect. */
  async stop(flushTimeoutMs = 20_000): Promise<FleetSummary> {
    clearInterval(this.timer);
    this.simulation.flush(this.sink);
    await this.chaos?.stop();
    const summary = () => this.summary();
    await Promise.all([...this.clients.values()].map((client) => client.close(flushTimeoutMs)));
    return { ...summary(), connected: 0 };
  }
}
