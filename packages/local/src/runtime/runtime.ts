import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Logger } from "@aws-lambda-powertools/logger";
import { queryApiRoutes, Router } from "@fleetline/api";
import {
  type AlarmPorts,
  type Clock,
  CONFIRM_FUNCTION,
  CONFIRMATION_RULE,
  type HealthReport,
  QUEUES,
  Redrive,
  STREAMS,
  SWEEP_SCHEDULE,
  type SweepOutcome,
  systemClock,
  TELEMETRY_RULE,
} from "@fleetline/core";
import { KinesisStreamProducer, KinesisStreamReader } from "@fleetline/functions/kinesis";
import { DuckDbAlertStore } from "../adapters/duckdb-alert-store.js";
import { DuckDbCommandLedger } from "../adapters/duckdb-command-ledger.js";
import { DuckDbCounters } from "../adapters/duckdb-counters.js";
import { DuckDbQuarantine } from "../adapters/duckdb-quarantine.js";
import { DuckDbTelemetryStore } from "../adapters/duckdb-telemetry-store.js";
import { MqttAlertPublisher } from "../adapters/mqtt-alert-publisher.js";
import type { KinesisHandler } from "../event-source/invoker.js";
import {
  failingPublisher,
  type RuntimeFaults,
  throttlingStore,
  timingOutShadows,
} from "../faults/runtime-faults.js";
import { OutcomeTracker } from "../health/outcome-tracker.js";
import { trackedTelemetryStore } from "../health/tracked-telemetry-store.js";
import { HttpServer } from "../http/http-server.js";
import { LOCAL_REGION } from "../kinesis/kinesis-client.js";
import { InvocationLog } from "../lambda/invocation-log.js";
import { invocationRoutes } from "../lambda/invocation-routes.js";
import { LocalFunctions } from "../lambda/local-functions.js";
import { dataPlaneRoutes } from "../shadow/data-plane-routes.js";
import { LocalShadowGateway } from "../shadow/local-shadow-gateway.js";
import { attachShadowMqtt } from "../shadow/shadow-mqtt.js";
import { ShadowService } from "../shadow/shadow-service.js";
import { ShadowStore } from "../shadow/shadow-store.js";
import { LocalTwins } from "../twins.js";
import { describeLockError, prepareDataDir } from "./data-dir.js";
import {
  BUILT_IN_HANDLERS,
  createHandlers,
  FUNCTION_NAMES,
  type FunctionPorts,
  type HandlerFactories,
} from "./function-wiring.js";
import { markRunning, markStopped, type RunMark } from "./run-marker.js";
import { type EffectFailures, recordEffectFailure, runtimeHealth } from "./runtime-health.js";
import { Schedule } from "./schedule.js";

export interface RuntimeConfig {
  host: string;
  mqttPort: number;
  wsPort: number;
  httpPort: number;
  kinesisPort: number;
  /** undefined: everything in memory. */
  dataDir?: string;
  brokerUrl?: string;
  apiToken?: string;
  /** A read-only token for the API beside the operator's `apiToken`. */
  viewerToken?: string;
  /** Open device connections at most (default 12,000). */
  maxConnections?: number;
  /** The mutual-TLS port for devices with certificates (AWS IoT Core's 8883); none when undefined. */
  mqttsPort?: number;
  /** Devices on MQTT 5 through mosquitto on `mqttsPort` (README, "Test your firmware locally"). */
  mqtt5?: boolean;
  version: string;
  /** Faults to inject (the fault-injection suite). */
  faults?: RuntimeFaults;
  /** How often the sweep runs (expiring commands, finishing owed effects); every minute by default, as on AWS. */
  sweepIntervalMs?: number;
  /** Invocations the console keeps per function (default 200). */
  invocationsPerFunction?: number;
  /**
   * A stream function's timeout (default 60 s, as the stacks give); 0: none, for a developer
   * stopped at a breakpoint (`fleetline dev --inspect`).
   */
  functionTimeoutMs?: number;
  /** The wait before a failed batch's first retry (default 1 s, doubling up to 10 s). */
  eventSourceRetryDelayMs?: number;
}

/**
 * `fleetline dev`: the whole pipeline on one machine — broker, telemetry rule, streams, the
 * validate and store functions on their event sources, DuckDB, and the HTTP API.
 */
export class Runtime {
  private ready = false;
  private readonly storeWrites = new OutcomeTracker();
  private readonly startedAt: number;
  private previousRun: RunMark | undefined;
  private schedule: Schedule | undefined;
  private alerts: DuckDbAlertStore | undefined;
  private readonly effectFailures: EffectFailures = { retried: 0, givenUp: 0 };
  private functionPorts: FunctionPorts | undefined;
  /** The functions' code now: the runtime's own, or what `fleetline dev --watch` last rebuilt. */
  private factories: HandlerFactories = BUILT_IN_HANDLERS;
  /** Every function by name, each invocation recorded (`/api/invocations`). */
  readonly functions: LocalFunctions;

  /** The previous run on this data dir, when it was killed or crashed instead of stopping cleanly. */
  get recoveredFrom(): RunMark | undefined {
    return this.previousRun;
  }

  private constructor(
    readonly config: RuntimeConfig,
    readonly http: HttpServer,
    readonly twins: LocalTwins,
    readonly logger: Logger,
    private readonly clock: Clock,
  ) {
    this.startedAt = clock.now();
    this.functions = new LocalFunctions(new InvocationLog(config.invocationsPerFunction ?? 200));
  }

  static async start(config: RuntimeConfig, clock: Clock = systemClock): Promise<Runtime> {
    const logger = new Logger({ serviceName: "fleetline" });
    if (config.dataDir !== undefined) await prepareDataDir(config.dataDir);
    const router = new Router();
    const http = new HttpServer({
      host: config.host,
      port: config.httpPort,
      router,
      ...(config.apiToken ? { apiToken: config.apiToken } : {}),
      ...(config.viewerToken ? { viewerToken: config.viewerToken } : {}),
      staticDir: fileURLToPath(new URL("../../../web/dist/", import.meta.url)),
      onError: (error, request) => logger.error("request failed", { ...request, error: error as Error }),
    });
    await http.listen();
    let twins: LocalTwins;
    try {
      twins = await LocalTwins.start({
        host: config.host,
        mqttPort: config.mqttPort,
        wsPort: config.wsPort,
        kinesisPort: config.kinesisPort,
        rules: [TELEMETRY_RULE, CONFIRMATION_RULE],
        ...(config.dataDir !== undefined ? { dataDir: config.dataDir } : {}),
        ...(config.brokerUrl !== undefined ? { brokerUrl: config.brokerUrl } : {}),
        ...(config.maxConnections !== undefined ? { maxConnections: config.maxConnections } : {}),
        ...(config.mqttsPort !== undefined ? { mqttsPort: config.mqttsPort } : {}),
        ...(config.mqtt5 ? { mqtt5: true } : {}),
        ...(config.faults?.storage ? { faults: config.faults.storage } : {}),
        dashboardPort: () => http.port,
        // The shadow service subscribes too: nothing flows until it has.
        deferOpen: true,
        onUnhandledFailure: ({ ruleName, topic, error }) =>
          logger.error("a message could not be stored; it is not acknowledged and will be tried again", {
            ruleName,
            topic,
            error: error as Error,
          }),
        onEventSourceError: ({ functionName, shardId, what, error }) =>
          logger.warn(`${what} failed; retrying`, { functionName, shardId, error: error as Error }),
        onAsyncInvokeError: ({ functionName, attempt, error }) =>
          logger.warn("an asynchronous invocation failed", { functionName, attempt, error: error as Error }),
      });
    } catch (error) {
      await http.close();
      throw (config.dataDir !== undefined && describeLockError(config.dataDir, error)) || error;
    }
    const counters = await DuckDbCounters.open(twins.bookkeeping);
    const runtime = new Runtime(config, http, twins, logger, clock);
    if (config.dataDir !== undefined) runtime.previousRun = await markRunning(config.dataDir, clock.now());
    await runtime.wire(router, counters);
    twins.open();
    runtime.schedule?.start();
    runtime.ready = true;
    return runtime;
  }

  private async wire(router: Router, counters: DuckDbCounters): Promise<void> {
    const { twins, logger, clock } = this;
    const faults = this.config.faults ?? {};
    const telemetry = await DuckDbTelemetryStore.open(twins.db);
    const quarantine = await DuckDbQuarantine.open(twins.db);
    const producer = new KinesisStreamProducer(twins.kinesis.inProcess);
    const deadLetters = twins.queues.queue(QUEUES.deadLetter);

    twins.broker?.on("refused", (event) => logger.warn("connection or packet refused", { ...event }));
    twins.broker?.on("serverError", ({ server, error }) => logger.error(`${server} server error`, { error }));
    this.http.onServerError((error) => logger.error("HTTP server error", { error }));
    twins.kinesis.onServerError((error) => logger.error("Kinesis server error", { error }));
    const store = trackedTelemetryStore(throttlingStore(telemetry, faults), this.storeWrites);
    const shadowService = new ShadowService(
      await ShadowStore.open(twins.db),
      (topic, document) => twins.source.publish(topic, new TextEncoder().encode(JSON.stringify(document)), 1),
      clock,
    );
    await attachShadowMqtt(twins.source, shadowService);
    dataPlaneRoutes(router, shadowService, twins.source);

    const alerts = await DuckDbAlertStore.open(twins.db);
    const ledger = await DuckDbCommandLedger.open(twins.db);
    const publisher = new MqttAlertPublisher(twins.source);
    // The shadow service in-process, through the port the alerts function uses on AWS too.
    const shadows = new LocalShadowGateway(shadowService);
    const alarms: AlarmPorts = {
      alerts,
      ledger,
      shadows: timingOutShadows(shadows, faults),
      publishers: { mqtt: failingPublisher(publisher, faults) },
      counters,
      clock,
      newId: randomUUID,
      onEffectFailed: (failure) => recordEffectFailure(this.effectFailures, failure, clock.now()),
    };
    this.functionPorts = {
      validate: { producer, quarantine, counters, validatedStream: STREAMS.validated },
      store: { store, counters },
      alarms,
      confirm: { ledger, counters, clock },
      deadLetters,
      faults,
    };
    const handlers = createHandlers(BUILT_IN_HANDLERS, this.functionPorts);
    const { functions } = this;
    const stream = { trigger: "kinesis" as const, region: LOCAL_REGION };
    const timeoutMs = this.config.functionTimeoutMs ?? 60_000;
    for (const [functionName, streamName] of [
      ["validate", STREAMS.raw],
      ["store", STREAMS.validated],
      ["alerts", STREAMS.validated],
    ] as const) {
      await twins.eventSources.add({
        functionName,
        streamName,
        handler: functions.define(functionName, handlers[functionName], {
          ...stream,
          timeoutMs,
        }) as KinesisHandler,
        timeoutMs,
        ...(this.config.eventSourceRetryDelayMs !== undefined
          ? { retryDelayMs: this.config.eventSourceRetryDelayMs }
          : {}),
      });
    }
    // Invoked by the command-confirmation rule with each shadow document, as on AWS.
    const confirm = functions.define(CONFIRM_FUNCTION, handlers.confirm, {
      trigger: "async",
      region: LOCAL_REGION,
    });
    twins.functions.register(CONFIRM_FUNCTION, (event) => confirm(event as never));
    const sweep = functions.define("sweep", handlers.sweep, { trigger: "schedule", region: LOCAL_REGION });
    this.schedule = new Schedule({
      intervalMs: this.config.sweepIntervalMs ?? SWEEP_SCHEDULE.intervalMs,
      clock,
      sweep: () => sweep(undefined as never) as Promise<SweepOutcome>,
      forgetExpired: async (now) => {
        await alerts.forgetExpired(now);
        await ledger.forgetExpired(now);
        await quarantine.forgetExpired(now);
      },
      onError: (error) =>
        logger.error("the scheduled sweep failed; it runs again on schedule", { error: error as Error }),
    });
    invocationRoutes(router, functions, () => this.iteratorAges());
    this.alerts = alerts;

    const redrive = new Redrive({
      deadLetters,
      ruleErrors: twins.queues.queue(QUEUES.ruleErrors),
      quarantine,
      streams: new KinesisStreamReader(twins.kinesis.inProcess),
      producer,
      rawStream: STREAMS.raw,
      functions,
      confirmFunction: CONFIRM_FUNCTION,
      thingPrefix: "",
      validate: (envelope) => this.factories.validate(envelope),
      clock,
    });
    const api = {
      alarms,
      redrive,
      registry: twins.registry,
      telemetry,
      quarantine,
      counters,
      deadLetters: twins.queues.queue(QUEUES.deadLetter),
      clock,
      info: {
        version: this.config.version,
        mqttUrl: twins.mqttUrl,
        ...((twins.broker?.mqttsUrl ?? twins.mosquitto?.url)
          ? { mqttsUrl: (twins.broker?.mqttsUrl ?? twins.mosquitto?.url) as string }
          : {}),
        wsUrl: twins.broker?.wsUrl ?? "",
        kinesisEndpoint: twins.kinesis.endpoint,
        dataPlaneEndpoint: this.http.url,
      },
      ready: () => this.ready,
      health: () => this.health(),
      shadows,
    };
    queryApiRoutes(api, router);
  }

  /** Every component's health: broker, rules, event sources, store, queues (`GET /api/health`). */
  health(): Promise<HealthReport> {
    return runtimeHealth({
      broker: this.twins.broker,
      source: this.twins.rulesSource,
      engine: this.twins.engine,
      eventSources: this.twins.eventSources,
      functions: this.twins.functions.stats,
      store: this.storeWrites,
      storeLabel: `DuckDB ${this.twins.db.path}`,
      queues: this.twins.queues,
      startedAt: this.startedAt,
      previousRun: this.previousRun,
      alarms: {
        owing: async () => (await this.alerts?.owing(100)) ?? [],
        lastSweep: this.schedule?.lastRun,
        failures: this.effectFailures,
      },
      now: this.clock.now(),
    });
  }

  /** How far behind its stream each event source's function is, in ms, from one health reading. */
  private iteratorAges(): Map<string, number> {
    const ages = new Map<string, number>();
    for (const { name, metrics } of this.twins.eventSources.health())
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
    if (!this.functionPorts) throw new Error("the runtime has not started its functions");
    const handlers = createHandlers(factories, this.functionPorts);
    for (const name of FUNCTION_NAMES) this.functions.swap(name, handlers[name]);
    this.factories = factories;
  }

  /** The one line `fleetline dev` prints when everything is up (README, "Run the pipeline locally"). */
  readyLine(): string {
    const parts = [
      `http=${this.http.url}`,
      `mqtt=${this.twins.mqttUrl}`,
      ...(this.twins.broker?.mqttsUrl ? [`mqtts=${this.twins.broker.mqttsUrl}`] : []),
      ...(this.twins.mosquitto ? [`mqtts=${this.twins.mosquitto.url}`] : []),
      ...(this.twins.broker ? [`ws=${this.twins.broker.wsUrl}`] : []),
      `kinesis=${this.twins.kinesis.endpoint}`,
      `data=${this.config.dataDir ?? "in-memory"}`,
    ];
    return `fleetline ready ${parts.join(" ")}`;
  }

  /** Runs the schedule's sweep now: commands past their deadline, effects still owed. */
  async sweep(): Promise<SweepOutcome | undefined> {
    return this.schedule?.runOnce();
  }

  /** Drains: devices are disconnected, rules and batches in flight finish, state is flushed. */
  async stop(): Promise<void> {
    this.ready = false;
    // No sweep starts while the rest shuts down; one in progress finishes first.
    await this.schedule?.stop();
    await this.twins.close();
    await this.http.close();
    if (this.config.dataDir !== undefined) await markStopped(this.config.dataDir);
  }
}
