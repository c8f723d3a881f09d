import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { Logger } from "@aws-lambda-powertools/logger";
import { ApiApp, queryApiRoutes } from "@fleetline/api";
import type { AlarmPorts, OfflinePorts } from "@fleetline/core/alarms";
import type { Clock } from "@fleetline/core/common";
import {
  CONFIRM_FUNCTION,
  CONFIRMATION_RULE,
  type HealthReport,
  PRESENCE_FUNCTION,
  PRESENCE_RULE,
  QUEUES,
  STREAMS,
  SWEEP_SCHEDULE,
  TELEMETRY_RULE,
} from "@fleetline/core/pipeline";
import { Redrive } from "@fleetline/core/redrive";
import { KinesisStreamProducer, KinesisStreamReader } from "@fleetline/functions/kinesis";
import { connectionRoutes } from "../iot/broker/connection-routes.js";
import { MqttAlertPublisher } from "../iot/bus/mqtt-alert-publisher.js";
import { controlPlaneRoutes } from "../iot/jobs/control-plane-routes.js";
import { JobStore } from "../iot/jobs/job-store.js";
import { JobsControlPlane } from "../iot/jobs/jobs-control-plane.js";
import { attachJobsMqtt } from "../iot/jobs/jobs-mqtt.js";
import { JobsService } from "../iot/jobs/jobs-service.js";
import { LocalJobsReader } from "../iot/jobs/local-jobs-reader.js";
import { ThingGroupsControlPlane } from "../iot/jobs/thing-groups-control-plane.js";
import { PROVISIONING_HOOK_FUNCTION, startProvisioning } from "../iot/provisioning/local-provisioning.js";
import type { ProvisioningService } from "../iot/provisioning/provisioning-service.js";
import { ThingGroups } from "../iot/registry/thing-groups.js";
import { dataPlaneRoutes } from "../iot/shadows/data-plane-routes.js";
import { LocalShadowGateway } from "../iot/shadows/local-shadow-gateway.js";
import { attachShadowMqtt } from "../iot/shadows/shadow-mqtt.js";
import { ShadowService } from "../iot/shadows/shadow-service.js";
import { ShadowStore } from "../iot/shadows/shadow-store.js";
import { OutcomeTracker } from "../lib/outcome-tracker.js";
import { DuckDbAlertStore } from "../stores/duckdb-alert-store.js";
import { DuckDbCommandLedger } from "../stores/duckdb-command-ledger.js";
import { DuckDbPresenceStore } from "../stores/duckdb-presence-store.js";
import { DuckDbQuarantine } from "../stores/duckdb-quarantine.js";
import { DuckDbTelemetryStore } from "../stores/duckdb-telemetry-store.js";
import { JournalCounters } from "../stores/journal-counters.js";
import type { KinesisHandler } from "../streams/event-sources/invoker.js";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "../streams/kinesis/kinesis-client.js";
import { InvocationLog } from "../streams/lambda/invocation-log.js";
import { LocalFunctions } from "../streams/lambda/local-functions.js";
import { describeLockError } from "./data-dir.js";
import { faultRoutes } from "./fault-routes.js";
import {
  BUILT_IN_HANDLERS,
  createHandlers,
  type FunctionPorts,
  type HandlerFactories,
} from "./function-wiring.js";
import { HttpServer } from "./http/http-server.js";
import { failingPublisher, throttlingStore, timingOutShadows } from "./injected-failures.js";
import { invocationRoutes } from "./invocation-routes.js";
import { mqttClientRoutes } from "./mqtt-client-routes.js";
import { RefusalLog } from "./refusal-log.js";
import type { RuntimeConfig } from "./runtime-config.js";
import { type EffectFailures, recordEffectFailure } from "./runtime-health.js";
import { Schedule } from "./schedule.js";
import { StandIns } from "./stand-ins.js";
import { trackedTelemetryStore } from "./tracked-telemetry-store.js";

/** Everything the runtime is made of, built once from its config (the composition root). */
export interface Composition {
  http: HttpServer;
  /** The HTTP API: the query API's routes, the Data Plane's and the console's. */
  app: ApiApp;
  standIns: StandIns;
  /** Every function by name, each invocation recorded (`/api/invocations`). */
  functions: LocalFunctions;
  /** The adapters the functions are wired to; they stay when the functions' code is swapped. */
  functionPorts: FunctionPorts;
  schedule: Schedule;
  alerts: DuckDbAlertStore;
  storeWrites: OutcomeTracker;
  effectFailures: EffectFailures;
  /** The functions' code now: the runtime's own, or what `fleetline dev --watch` last rebuilt. */
  factories: { current: HandlerFactories };
  /** Ends every stream of `GET /api/mqtt/subscribe`. */
  endTaps: () => Promise<void>;
  /** AWS IoT Jobs: its device API over MQTT, its control plane over HTTP, its rollouts. */
  jobs: JobsService;
  /** Fleet provisioning by claim: its counts are in `/api/health`. */
  provisioning: ProvisioningService;
}

/** What the API routes need of the runtime that only the runtime knows. */
export interface RuntimeState {
  ready: () => boolean;
  health: () => Promise<HealthReport>;
  iteratorAges: () => Map<string, number>;
}

/** Where the dashboard's built files are (`npm run build`). */
const DASHBOARD_DIR = fileURLToPath(new URL("../../../web/dist/", import.meta.url));

/**
 * Starts the HTTP server, the stand-ins and the functions on them, and routes the API: the same
 * ports the Lambda entry points build on AWS, handed to the same handler factories.
 */
export async function compose(
  config: RuntimeConfig,
  clock: Clock,
  logger: Logger,
  state: RuntimeState,
): Promise<Composition> {
  const app = new ApiApp({
    apiToken: config.apiToken || undefined,
    viewerToken: config.viewerToken || undefined,
    onError: (error, request) => logger.error("request failed", { ...request, error: error as Error }),
  });
  const http = new HttpServer({
    host: config.host,
    port: config.httpPort,
    app,
    apiToken: config.apiToken || undefined,
    staticDir: DASHBOARD_DIR,
  });
  await http.listen();
  let standIns: StandIns;
  try {
    standIns = await StandIns.start({
      ...config,
      rules: [TELEMETRY_RULE, CONFIRMATION_RULE, PRESENCE_RULE],
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
  const { db, brokers, kinesis } = standIns;
  const refusals = new RefusalLog();
  brokers.broker?.on("refused", (event) => {
    const { log, unlogged } = refusals.take(event.clientId, event.refusal);
    if (log)
      logger.warn("connection or packet refused", {
        ...event,
        ...(unlogged > 0 ? { alsoRefusedInTheLastMinute: unlogged } : {}),
      });
  });
  brokers.broker?.on("serverError", ({ server, error }) => logger.error(`${server} server error`, { error }));
  http.onServerError((error) => logger.error("HTTP server error", { error }));
  kinesis.onServerError((error) => logger.error("Kinesis server error", { error }));

  const failures = config.failures ?? {};
  const counters = new JournalCounters(standIns.bookkeeping);
  // The store and alerts functions' writes on connections of their own: DuckDB runs them side by
  // side, and neither waits behind the other's statements (docs/architecture.md, "The database thread").
  const telemetry = await DuckDbTelemetryStore.open(await db.connect());
  const quarantine = await DuckDbQuarantine.open(db);
  const alerts = await DuckDbAlertStore.open(await db.connect());
  const ledger = await DuckDbCommandLedger.open(db);
  const presence = await DuckDbPresenceStore.open(db);
  const producer = new KinesisStreamProducer(standIns.kinesisClient);
  const deadLetters = standIns.queues.queue(QUEUES.deadLetter);
  const storeWrites = new OutcomeTracker();
  const effectFailures: EffectFailures = { retried: 0, givenUp: 0 };

  const { source } = brokers;
  const shadowService = new ShadowService(
    await ShadowStore.open(db),
    (topic, document) => source.publish(topic, new TextEncoder().encode(JSON.stringify(document)), 1),
    clock,
  );
  await attachShadowMqtt(source, shadowService);
  dataPlaneRoutes(app, shadowService, source, brokers.broker?.retained);
  connectionRoutes(app, brokers.broker);
  // Jobs on a DuckDB connection of their own: their writes never wait behind telemetry's.
  const jobs = new JobsService({
    store: await JobStore.open(await db.connect()),
    publish: (topic, document) =>
      source.publish(topic, new TextEncoder().encode(JSON.stringify(document)), 1),
    clock,
    onTickError: (error) =>
      logger.error("a jobs rollout step failed; it is tried again in a second", { error: error as Error }),
  });
  await attachJobsMqtt(source, jobs);
  const iotArn = (kind: string, name: string) =>
    `arn:aws:iot:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${kind}/${name}`;
  const thingExists = { exists: async (thing: string) => (await standIns.registry.get(thing)) !== undefined };
  const thingGroups = await ThingGroups.open(db);
  for (const thing of thingGroups.allMembers())
    if ((await standIns.registry.get(thing)) === undefined) await thingGroups.forget(thing);
  // A thing deleted from the registry leaves its groups, as on AWS.
  standIns.registry.on("removed", (thing) => {
    thingGroups
      .forget(thing)
      .catch((error: unknown) =>
        logger.error("a removed thing could not leave its thing groups", { error: error as Error, thing }),
      );
  });
  const jobsControlPlane = new JobsControlPlane(
    jobs,
    thingExists,
    {
      job: (id) => iotArn("job", id),
      thing: (name) => iotArn("thing", name),
      group: (name) => iotArn("thinggroup", name),
    },
    thingGroups,
  );
  const groupsControlPlane = new ThingGroupsControlPlane(
    thingGroups,
    thingExists,
    (name) => iotArn("thinggroup", name),
    () => clock.now(),
    (group, thing) => jobsControlPlane.thingAddedToGroup(group, thing),
  );
  controlPlaneRoutes(app, jobsControlPlane, groupsControlPlane, standIns.registry);
  jobs.start();
  const endMessageTaps = mqttClientRoutes(app, source);
  const endObservations = faultRoutes(app, brokers.broker);
  const endTaps = async () => {
    await endMessageTaps();
    await endObservations();
  };
  // The shadow service in-process, through the port the alerts function uses on AWS too.
  const shadows = new LocalShadowGateway(shadowService);
  const alarms: AlarmPorts & OfflinePorts = {
    // The sweep's OFFLINE alarm reads each device's presence.
    presence,
    alerts,
    ledger,
    shadows: timingOutShadows(shadows, failures),
    publishers: { mqtt: failingPublisher(new MqttAlertPublisher(source), failures) },
    counters,
    clock,
    newId: randomUUID,
    onEffectFailed: (failure) => recordEffectFailure(effectFailures, failure, clock.now()),
  };
  const functionPorts: FunctionPorts = {
    validate: { producer, quarantine, counters, validatedStream: STREAMS.validated },
    store: { store: trackedTelemetryStore(throttlingStore(telemetry, failures), storeWrites), counters },
    alarms,
    confirm: { ledger, counters, clock },
    presence: { store: presence, typeOf: async (thing) => (await standIns.registry.get(thing))?.type },
    provisioningHook: { thingPrefix: "" },
    deadLetters,
    failures,
  };
  const factories = { current: BUILT_IN_HANDLERS };
  const functions = new LocalFunctions(new InvocationLog(config.invocationsPerFunction ?? 200));
  const handlers = createHandlers(factories.current, functionPorts);
  const timeoutMs = config.functionTimeoutMs ?? 60_000;
  for (const [functionName, streamName] of [
    ["validate", STREAMS.raw],
    ["store", STREAMS.validated],
    ["alerts", STREAMS.validated],
  ] as const)
    await standIns.eventSources.add({
      functionName,
      streamName,
      handler: functions.define(functionName, handlers[functionName], {
        trigger: "kinesis",
        region: LOCAL_REGION,
        timeoutMs,
      }) as KinesisHandler,
      timeoutMs,
      retryDelayMs: config.eventSourceRetryDelayMs,
    });
  // Invoked by the command-confirmation rule with each shadow document, as on AWS.
  const confirm = functions.define(CONFIRM_FUNCTION, handlers.confirm, {
    trigger: "async",
    region: LOCAL_REGION,
  });
  standIns.asyncInvoker.register(CONFIRM_FUNCTION, (event) => confirm(event as never));
  // Invoked by the presence rule with each connect and disconnect, as on AWS.
  const recordPresence = functions.define(PRESENCE_FUNCTION, handlers.presence, {
    trigger: "async",
    region: LOCAL_REGION,
  });
  standIns.asyncInvoker.register(PRESENCE_FUNCTION, (event) => recordPresence(event as never));
  // Invoked by fleet provisioning before a device from a claim is registered, as on AWS.
  functions.define(PROVISIONING_HOOK_FUNCTION, handlers.provisioningHook, {
    trigger: "provisioning",
    region: LOCAL_REGION,
  });
  const provisioning = await startProvisioning({
    app,
    db,
    ca: standIns.ca,
    registry: standIns.registry,
    broker: brokers.broker,
    source,
    functions,
    groups: {
      exists: (name) => thingGroups.get(name) !== undefined,
      add: async (name, thing) => {
        await groupsControlPlane.add({ thingGroupName: name, thingName: thing });
      },
    },
    arn: iotArn,
    now: () => clock.now(),
  });
  const sweep = functions.define("sweep", handlers.sweep, { trigger: "schedule", region: LOCAL_REGION });
  const schedule = new Schedule({
    intervalMs: config.sweepIntervalMs ?? SWEEP_SCHEDULE.intervalMs,
    clock,
    sweep: () => sweep(undefined as never) as ReturnType<ScheduleSweep>,
    forgetExpired: async (now) => {
      await alerts.forgetExpired(now);
      await ledger.forgetExpired(now);
      await quarantine.forgetExpired(now);
      // Certificates whose ownership token ran out unregistered, and expired claims.
      await provisioning.deleteExpired();
    },
    onError: (error) =>
      logger.error("the scheduled sweep failed; it runs again on schedule", { error: error as Error }),
  });
  invocationRoutes(app, functions, state.iteratorAges);

  const redrive = new Redrive({
    deadLetters,
    ruleErrors: standIns.queues.queue(QUEUES.ruleErrors),
    quarantine,
    streams: new KinesisStreamReader(standIns.kinesisClient),
    producer,
    rawStream: STREAMS.raw,
    functions,
    confirmFunction: CONFIRM_FUNCTION,
    thingPrefix: "",
    // The contract as the validate function runs it now: `--watch` may have rebuilt it.
    validate: (envelope) => factories.current.validate(envelope),
    clock,
  });
  const mqttsUrl = brokers.broker?.mqttsUrl ?? brokers.mosquitto?.url;
  queryApiRoutes(
    {
      alarms,
      redrive,
      registry: standIns.registry,
      telemetry,
      quarantine,
      counters,
      deadLetters,
      clock,
      info: {
        version: config.version,
        mqttUrl: brokers.mqttUrl,
        mqttsUrl,
        wsUrl: brokers.broker?.wsUrl ?? "",
        kinesisEndpoint: kinesis.endpoint,
        dataPlaneEndpoint: http.url,
        iotEndpoint: http.url,
        caPem: standIns.ca.pem,
      },
      ready: state.ready,
      health: state.health,
      shadows,
      jobs: new LocalJobsReader(jobs.store),
      // The embedded broker knows who is connected; mosquitto and an external broker do not say.
      connected: brokers.broker ? (thing) => brokers.broker?.isConnected(thing) ?? false : undefined,
      presence,
    },
    app,
  );
  return {
    http,
    app,
    standIns,
    functions,
    functionPorts,
    schedule,
    alerts,
    storeWrites,
    effectFailures,
    factories,
    endTaps,
    jobs,
    provisioning,
  };
}

type ScheduleSweep = ConstructorParameters<typeof Schedule>[0]["sweep"];
