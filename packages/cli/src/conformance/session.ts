import { type ChildProcess, spawn } from "node:child_process";
import type { FaultSwitches, Observation } from "@fleetline/local";
import type { BrokerLink } from "./broker-link.js";

/** A case that cannot pass: what it waited for, or what went wrong, in one line. */
export class CaseFailure extends Error {}

/** The device under test: the command the user gave, with its connection settings in the environment. */
export class DeviceProcess {
  private child: ChildProcess | undefined;
  /** The last of what it printed, to quote when it fails. */
  private output = "";
  /** Set once it has exited, or could not start. */
  exited: string | undefined;

  constructor(
    private readonly command: string[],
    private readonly env: Record<string, string>,
  ) {}

  /** Whether the run starts (and can restart) the device; not when it is started elsewhere. */
  get ours(): boolean {
    return this.command.length > 0;
  }

  start(): void {
    if (!this.ours) return;
    this.exited = undefined;
    this.output = "";
    const [file, ...args] = this.command;
    const child = spawn(file as string, args, {
      env: { ...process.env, ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-2000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.once("error", (error) => {
      this.exited = `the device command could not start: ${error.message}`;
    });
    child.once("exit", (code, signal) => {
      const last = this.output.trim().split("\n").at(-1) ?? "";
      this.exited ??= `the device exited (${signal ?? `code ${code}`})${last ? `: ${last.slice(0, 200)}` : ""}`;
    });
  }

  /** Power lost and back: SIGKILL, then started again with the same settings. */
  async restart(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGKILL");
      await gone;
    }
    this.start();
  }

  /** Stops it: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 3_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null || this.exited) return;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await gone;
    clearTimeout(timer);
  }
}

/**
 * One qualification run's view of the device: everything the broker saw it do (its observations,
 * its refusals), and waits on conditions over them, bounded, failing at once if the device is gone.
 */
export class Session {
  readonly log: Observation[] = [];
  readonly refusals: Array<{ refusal: string; detail: string; at: number }> = [];
  /** Set once a case waited for the first connection in vain. */
  neverConnected = false;

  constructor(
    private readonly broker: BrokerLink,
    readonly thing: string,
    readonly type: "freestyle" | "robot",
    /** The runtime's HTTP API, with its token: `api("/things/x/shadow", init)`. */
    readonly api: (path: string, init?: RequestInit) => Promise<Response>,
    readonly device: DeviceProcess,
    /** Aborted when the run is stopped (a signal): every wait ends at once. */
    private readonly stopping: AbortSignal = new AbortController().signal,
  ) {}

  /** Told of each observation as it comes (a case that must act at once, not on its next poll). */
  private readonly watchers = new Set<(observation: Observation) => void>();

  /** Calls `listener` with each observation until the returned function is called. */
  onObservation(listener: (observation: Observation) => void): () => void {
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
  }

  /** Starts recording what the broker sees the device do. */
  async attach(): Promise<void> {
    await this.broker.watch(this.thing, {
      observed: (observation) => {
        this.log.push(observation);
        for (const listener of this.watchers) listener(observation);
      },
      refused: (refusal) => this.refusals.push({ ...refusal, at: Date.now() }),
    });
  }

  async detach(): Promise<void> {
    await this.broker.clearFaults(this.thing).catch(() => undefined);
    await this.broker.close();
  }

  /** Sets the broker's fault switches for the device (replacing what was set). */
  faults(switches: FaultSwitches): Promise<void> {
    return this.broker.setFaults(this.thing, switches);
  }

  clearFaults(): Promise<void> {
    return this.broker.clearFaults(this.thing);
  }

  /** Drops the device's connection as a network would. */
  drop(): Promise<void> {
    return this.broker.drop(this.thing);
  }

  of<K extends Observation["kind"]>(kind: K, since = 0): Array<Extract<Observation, { kind: K }>> {
    return this.log.filter((o): o is Extract<Observation, { kind: K }> => o.kind === kind && o.at >= since);
  }

  /** The device's telemetry publishes since `since`. */
  telemetry(since = 0) {
    const topic = `dt/fleetline/${this.type}/${this.thing}/telemetry`;
    return this.of("publish", since).filter((p) => p.topic === topic);
  }

  get connected(): boolean {
    const connects = this.of("connect").length;
    return connects > 0 && this.broker.connected(this.thing);
  }

  /** Waits until `check` gives a value; fails with `what` after `timeoutMs`, or at once if the device is gone. */
  async until<T>(check: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined && value !== false) return value;
      if (this.device.exited) throw new CaseFailure(`${what}: ${this.device.exited}`);
      if (this.stopping.aborted) throw new CaseFailure("the run was stopped");
      if (Date.now() >= deadline) throw new CaseFailure(`${what} within ${Math.round(timeoutMs / 1000)} s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
