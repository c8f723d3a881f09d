import type { FaultSwitches, LocalBroker, Observation } from "@fleetline/local";

/** A refusal the broker reported for the device (a publish or subscribe denied, a bad packet…). */
export interface Refusal {
  refusal: string;
  detail: string;
}

export interface Watchers {
  observed(observation: Observation): void;
  refused(refusal: Refusal): void;
}

/**
 * The broker as a qualification run reaches it (docs/guide/conformance.md): in this process (a
 * private runtime), or a running runtime's over its API (`--url`). Either way the run sees what the
 * device did and sets the broker's fault switches for it.
 */
export interface BrokerLink {
  /** Starts telling what the broker sees of `clientId`; resolves once it is listening. */
  watch(clientId: string, watchers: Watchers): Promise<void>;
  setFaults(clientId: string, switches: FaultSwitches): Promise<void>;
  clearFaults(clientId: string): Promise<void>;
  /** Drops the client's connection as a network would. */
  drop(clientId: string): Promise<void>;
  /** Whether the client is connected now. */
  connected(clientId: string): boolean;
  /** Stops watching. */
  close(): Promise<void>;
}

/** The embedded broker of a runtime in this process. */
export class InProcessBroker implements BrokerLink {
  private detach = () => {};

  constructor(private readonly broker: LocalBroker) {}

  async watch(clientId: string, watchers: Watchers): Promise<void> {
    const onObserved = (observation: Observation) => {
      if (observation.clientId === clientId) watchers.observed(observation);
    };
    const onRefused = (event: { refusal: string; clientId: string; detail: string }) => {
      if (event.clientId === clientId || event.clientId === "")
        watchers.refused({ refusal: event.refusal, detail: event.detail });
    };
    this.broker.on("observed", onObserved);
    this.broker.on("refused", onRefused);
    this.detach = () => {
      this.broker.off("observed", onObserved);
      this.broker.off("refused", onRefused);
    };
  }

  async setFaults(clientId: string, switches: FaultSwitches): Promise<void> {
    this.broker.faults.set(clientId, switches);
  }

  async clearFaults(clientId: string): Promise<void> {
    this.broker.faults.clear(clientId);
  }

  async drop(clientId: string): Promise<void> {
    this.broker.dropConnection(clientId);
  }

  connected(clientId: string): boolean {
    return this.broker.isConnected(clientId);
  }

  async close(): Promise<void> {
    this.detach();
  }
}
