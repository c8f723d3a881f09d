import { Logger } from "@aws-lambda-powertools/logger";
import type { SweepOutcome } from "@fleetline/core/alarms";
import { type Clock, systemClock } from "@fleetline/core/common";
import type { HealthReport } from "@fleetline/core/pipeline";
import type { LocalBroker } from "../iot/broker/broker.js";
import type { DeviceRegistry } from "../iot/registry/device-registry.js";
import { busyPorts, portsInUse } from "../lib/net/listen.js";
import type { LocalFunctions } from "../streams/lambda/local-functions.js";
import { type Composition, compose } from "./compose.js";
import { prepareDataDir } from "./data-dir.js";
import { createHandlers, FUNCTION_NAMES, type HandlerFactories } from "./function-wiring.js";
import { markRunning, markStopped, type RunMark } from "./run-marker.js";
import { listenTargets, type RuntimeConfig } from "./runtime-config.js";
import { runtimeHealth } from "./runtime-health.js";
import { RuntimeProbe } from "./runtime-probe.js";

/** Where the runtime listens, as its ready line says (docs/guide/local-runtime.md). */
export interface RuntimeUrls {
  http: string;
  mqtt: string;
  /** The mutual-TLS port (the embedded broker's, or mosquitto's under `--mqtt5`), when there is one. */
  mqtts: string | undefined;
  /** MQTT over WebSocket, on the embedded broker only. */
  ws: string | undefined;
  kinesis: string;
}

/**
 * `fleetline dev`: the whole pipeline on one machine — broker, rules, streams, the functions on
 * their event sources, DuckDB, the HTTP API and the dashboard. Callers see where it listens, its
 * registry, its health and the invocation console; what it is made of stays inside.
 */
export class Runtime {
  private ready = false;
  private previousRun: RunMark | undefined;
  private readonly startedAt: number;
  private parts!: Composition;

  private constructor(
    private readonly config: RuntimeConfig,
    private readonly clock: Clock,
  ) {
    this.startedAt = clock.now();
  }

  static async start(config: RuntimeConfig, clock: Clock = systemClock): Promise<Runtime> {
    if (config.dataDir !== undefined) await prepareDataDir(config.dataDir);
    // Every busy port named at once, before anything starts: not one a try.
    const busy = await busyPorts(listenTargets(config));
    if (busy.length > 0) throw portsInUse(busy);
    const runtime = new Runtime(config, clock);
    runtime.parts = await compose(config, clock, new Logger({ serviceName: "fleetline" }), {
      ready: () => runtime.ready,
      health: () => runtime.health(),
      iteratorAges: () => runtime.iteratorAges(),
    });
    if (config.dataDir !== undefined) runtime.previousRun = await markRunning(config.dataDir, clock.now());
    runtime.parts.standIns.open();
    runtime.parts.schedule.start();
    runtime.ready = true;
    return runtime;
  }

  get urls(): RuntimeUrls {
    const { http, standIns } = this.parts;
    const { broker, mosquitto, mqttUrl } = standIns.brokers;
    return {
      http: http.url,
      mqtt: mqttUrl,
      mqtts: broker?.mqttsUrl ?? mosquitto?.url,
      ws: broker?.wsUrl,
      kinesis: standIns.kinesis.endpoint,
    };
  }

  /** The embedded broker (none under `--mqtt5` or `--broker`): its fault switches and what devices do. */
  get broker(): LocalBroker | undefined {
    return this.parts.standIns.brokers.broker;
  }

  /** The things that may connect, and their credentials. */
  get registry(): DeviceRegistry {
    return this.parts.standIns.registry;
  }

  /** The runtime's own MQTT identity on the embedded broker: it may publish and subscribe anywhere. */
  get serviceCredentials(): { username: string; password: string } | undefined {
    return this.parts.standIns.brokers.broker?.serviceCredentials;
  }

  /** The invocation console: every function's recorded invocations, and replay. */
  get invocations(): LocalFunctions {
    return this.parts.functions;
  }

  /** What a test may read of the runtime's state that no API shows. */
  get probe(): RuntimeProbe {
    return new RuntimeProbe(this.parts);
  }

  /** The previous run on this data dir, when it was killed or crashed instead of stopping cleanly. */
  get recoveredFrom(): RunMark | undefined {
    return this.previousRun;
  }

  /** Every component's health: broker, rules, event sources, store, queues (`GET /api/health`). */
  health(): Promise<HealthReport> {
    const { standIns, storeWrites, alerts, schedule, effectFailures } = this.parts;
    return runtimeHealth({
      broker: standIns.brokers.broker,
      source: standIns.brokers.rulesSource,
      engine: standIns.engine,
      backlog: standIns.backlog,
      eventSources: standIns.eventSources,
      functions: standIns.asyncInvoker.stats,
      store: storeWrites,
      storeLabel: `DuckDB ${standIns.db.path}`,
      queues: standIns.queues,
      startedAt: this.startedAt,
      previousRun: this.previousRun,
      alarms: { owing: () => alerts.owing(100), lastSweep: schedule.lastRun, failures: effectFailures },
      jobs: this.parts.jobs,
      provisioning: this.parts.provisioning,
      now: this.clock.now(),
    });
  }

  /** How far behind its stream each event source's function is, in ms, from one health reading. */
  private iteratorAges(): Map<string, number> {
    const ages = new Map<string, number>();
    for (const { name, metrics } of this.parts.standIns.eventSources.health())
      if (typeof metrics.iteratorAgeMs === "number")
        ages.set(name.replace(/^eventSource:/, ""), metrics.iteratorAgeMs);
    return ages;
  }

  /**
   * Swaps every function's code for the handlers `factories` build (`fleetline dev --watch`): the
   * next invocation of each runs it; the ports, streams, checkpoints and connections stay. Throws,
   * changing nothing, when the new factories cannot build a handler.
   */
  reloadFunctions(factories: HandlerFactories): void {
    const handlers = createHandlers(factories, this.parts.functionPorts);
    for (const name of FUNCTION_NAMES) this.parts.functions.swap(name, handlers[name]);
    this.parts.factories.current = factories;
  }

  /** The one line `fleetline dev` prints when everything is up (docs/guide/local-runtime.md). */
  readyLine(): string {
    const { http, mqtt, mqtts, ws, kinesis } = this.urls;
    const parts = [`http=${http}`, `mqtt=${mqtt}`];
    if (mqtts) parts.push(`mqtts=${mqtts}`);
    if (ws) parts.push(`ws=${ws}`);
    parts.push(`kinesis=${kinesis}`, `data=${this.config.dataDir ?? "in-memory"}`);
    return `fleetline ready ${parts.join(" ")}`;
  }

  /** Runs the schedule's sweep now: commands past their deadline, effects still owed. */
  async sweep(): Promise<SweepOutcome | undefined> {
    return this.parts.schedule.runOnce();
  }

  /** Drains: devices are disconnected, rules and batches in flight finish, state is flushed. */
  async stop(): Promise<void> {
    this.ready = false;
    // No sweep starts while the rest shuts down; one in progress finishes first.
    await this.parts.schedule.stop();
    await this.parts.jobs.stop();
    await this.parts.endTaps();
    await this.parts.standIns.close();
    await this.parts.http.close();
    if (this.config.dataDir !== undefined) await markStopped(this.config.dataDir);
  }
}
