import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import { RUNTIME_IDENTITIES } from "@fleetline/core/devices";
import { QUEUES, STREAMS, type TopicRule } from "@fleetline/core/pipeline";
import { LocalBroker } from "../iot/broker/broker.js";
import { type MosquittoBroker, startMosquitto } from "../iot/broker/mosquitto-broker.js";
import { RetainedStore } from "../iot/broker/retained-store.js";
import type { MessageSource } from "../iot/bus/message-source.js";
import { MqttSource } from "../iot/bus/mqtt-source.js";
import { CertificateAuthority } from "../iot/registry/certificate-authority.js";
import { DeviceRegistry } from "../iot/registry/device-registry.js";
import { RulesEngine, type RulesEngineOptions } from "../iot/rules/rules-engine.js";
import { BookkeepingJournal } from "../stores/bookkeeping-journal.js";
import { Database } from "../stores/database.js";
import { BacklogGate, MAX_BACKLOG } from "../streams/event-sources/backlog-gate.js";
import { CheckpointStore } from "../streams/event-sources/checkpoint-store.js";
import { type EmulatorOptions, EventSourceEmulator } from "../streams/event-sources/event-source-emulator.js";
import { LOCAL_REGION } from "../streams/kinesis/kinesis-client.js";
import { KinesisStandIn } from "../streams/kinesis/kinesis-stand-in.js";
import { AsyncInvoker, type AsyncInvokerOptions } from "../streams/lambda/async-invoker.js";
import { LocalQueues } from "../streams/queues/local-queues.js";
import { interceptedKinesis } from "./injected-failures.js";
import type { RuntimeConfig } from "./runtime-config.js";

/** What the stand-ins take from the runtime's config, and the rules and error reports of their user. */
export type StandInsConfig = Pick<
  RuntimeConfig,
  | "host"
  | "mqttPort"
  | "wsPort"
  | "kinesisPort"
  | "dataDir"
  | "brokerUrl"
  | "maxConnections"
  | "iotLimits"
  | "mqttsPort"
  | "mqtt5"
  | "failures"
  | "shardCount"
  | "maxBacklog"
> & {
  rules: readonly TopicRule[];
  onUnhandledFailure?: RulesEngineOptions["onUnhandledFailure"];
  onEventSourceError?: EmulatorOptions["onError"];
  onAsyncInvokeError?: AsyncInvokerOptions["onError"];
  /** The port of the runtime's dashboard: the only page the Kinesis and WebSocket ports serve. */
  dashboardPort?: () => number;
  /**
   * Leave the message sources closed until `open()`, for a caller that subscribes more (the shadow
   * service) first; by default they open once the rules engine has subscribed.
   */
  deferOpen?: boolean;
};

/** The device broker: the embedded one, mosquitto under `--mqtt5`, or an external one. */
interface Brokers {
  broker: LocalBroker | undefined;
  mosquitto: MosquittoBroker | undefined;
  /** What the shadow service and the publishers use. */
  source: MessageSource;
  /** What the rules engine reads: `source` itself on the embedded broker, else a client of its own. */
  rulesSource: MessageSource;
  mqttUrl: string;
}

/** A stand-in started, and how to stop it: what starts later stops first. */
type Stops = Array<() => Promise<void>>;

/**
 * The local stand-ins for AWS IoT Core, Kinesis, SQS and Lambda's event-source mappings, started
 * together from one config and stopped in the order that loses nothing: devices first, then the
 * rules in flight, then the batches in flight, then the streams and the state.
 */
export class StandIns {
  private constructor(
    readonly db: Database,
    /** The event sources' checkpoints and the pipeline's counters (`BookkeepingJournal`). */
    readonly bookkeeping: BookkeepingJournal,
    readonly registry: DeviceRegistry,
    /** The local CA: device certificates, claims, the broker's own. */
    readonly ca: CertificateAuthority,
    readonly brokers: Brokers,
    readonly kinesis: KinesisStandIn,
    /** The Kinesis API in this process, for the runtime's own producers and readers. */
    readonly kinesisClient: KinesisClient,
    readonly queues: LocalQueues,
    readonly engine: RulesEngine,
    /** The functions IoT rules invoke (Lambda actions), asynchronously. */
    readonly asyncInvoker: AsyncInvoker,
    readonly eventSources: EventSourceEmulator,
    readonly backlog: BacklogGate,
  ) {}

  get mqttUrl(): string {
    return this.brokers.mqttUrl;
  }

  static async start(config: StandInsConfig): Promise<StandIns> {
    const stops: Stops = [];
    try {
      const { dataDir } = config;
      const db = await Database.open(
        dataDir ? join(dataDir, "fleetline.duckdb") : ":memory:",
        config.failures?.disk,
      );
      stops.push(() => db.close());
      // Checkpoints and counters, written after every batch, in a journal of their own.
      const bookkeeping = await BookkeepingJournal.open(
        dataDir ? join(dataDir, "bookkeeping.journal") : undefined,
        { legacy: db, ...(config.failures?.disk ? { disk: config.failures.disk } : {}) },
      );
      stops.push(() => bookkeeping.close());
      // The local CA: it signs device certificates and the broker's own (kept in the data dir).
      const ca = await CertificateAuthority.open(dataDir ? join(dataDir, "ca") : undefined);
      const registry = await DeviceRegistry.open(db, ca);
      const queues = await LocalQueues.open(db);
      const kinesis = await KinesisStandIn.start({
        // The Kinesis API has no authentication: whatever --host says, it stays on this machine.
        host: "127.0.0.1",
        port: config.kinesisPort,
        streams: Object.values(STREAMS),
        shardCount: config.shardCount ?? 2,
        path: dataDir ? join(dataDir, "kinesis") : undefined,
        disk: config.failures?.disk,
        dashboardPort: config.dashboardPort,
      });
      stops.push(() => kinesis.close());
      const kinesisClient = config.failures
        ? interceptedKinesis(kinesis.inProcess, config.failures)
        : kinesis.inProcess;
      const brokers = await startBrokers(config, registry, ca, stops, await RetainedStore.open(db));
      const asyncInvoker = new AsyncInvoker({
        onFailure: queues.queue(QUEUES.deadLetter),
        region: LOCAL_REGION,
        onError: config.onAsyncInvokeError,
      });
      stops.push(() => asyncInvoker.stop());
      const eventSources: EventSourceEmulator = new EventSourceEmulator({
        kinesis: kinesisClient,
        checkpoints: new CheckpointStore(bookkeeping, () => kinesis.sync()),
        queues,
        onError: config.onEventSourceError,
        onProgress: () => backlog.progressed(),
        recordsPut: (stream) => kinesis.recordsPut(stream),
      });
      // Devices slow down (their PUBACKs wait) while the functions are far behind the streams.
      const backlog = new BacklogGate(() => eventSources.recordsBehind(), config.maxBacklog ?? MAX_BACKLOG);
      const engine = await RulesEngine.start({
        rules: config.rules,
        source: brokers.rulesSource,
        targets: { kinesis: kinesisClient, queues, functions: asyncInvoker },
        admission: backlog,
        sync: () => kinesis.sync(),
        onUnhandledFailure: config.onUnhandledFailure,
      });
      const standIns = new StandIns(
        db,
        bookkeeping,
        registry,
        ca,
        brokers,
        kinesis,
        kinesisClient,
        queues,
        engine,
        asyncInvoker,
        eventSources,
        backlog,
      );
      if (!config.deferOpen) standIns.open();
      return standIns;
    } catch (error) {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
      throw error;
    }
  }

  /** Every subscriber is in place: the sources start handing over messages. */
  open(): void {
    const { source, rulesSource } = this.brokers;
    source.open();
    if (rulesSource !== source) rulesSource.open();
  }

  async close(): Promise<void> {
    const { broker, mosquitto, source, rulesSource } = this.brokers;
    if (broker) await broker.stopAccepting();
    // Nothing is acknowledged before it is stored: what the engine holds now was never PUBACKed.
    // What waits for the backlog goes on to its stream (still open), so the stop never hangs on it.
    this.backlog.release();
    await this.engine.stop();
    if (broker) await broker.close();
    else {
      await rulesSource.close();
      await source.close();
    }
    await mosquitto?.stop();
    await this.asyncInvoker.stop();
    await this.eventSources.stop();
    await this.kinesis.close();
    await this.db.close();
  }
}

async function startBrokers(
  config: StandInsConfig,
  registry: DeviceRegistry,
  ca: CertificateAuthority,
  stops: Stops,
  retained: RetainedStore,
): Promise<Brokers> {
  if (config.mqtt5) {
    const dir = config.dataDir
      ? join(config.dataDir, "mosquitto")
      : await mkdtemp(join(tmpdir(), "fleetline-mosquitto-"));
    const mosquitto = await startMosquitto({
      dir,
      host: config.host,
      port: config.mqttsPort ?? 8883,
      ca,
      registry,
      temporary: !config.dataDir,
    });
    stops.push(() => mosquitto.stop());
    // The rules engine and the shadow service connect over mutual TLS, each as itself.
    const { clients } = mosquitto;
    const rules = await MqttSource.connect({
      url: mosquitto.url,
      tls: clients.rulesEngine,
      clientIdTopicLevel: 4,
    });
    stops.push(() => rules.close());
    const service = await MqttSource.connect({
      url: mosquitto.url,
      tls: clients.shadowService,
      clientId: RUNTIME_IDENTITIES.shadowService,
    });
    stops.push(() => service.close());
    return { broker: undefined, mosquitto, source: service, rulesSource: rules, mqttUrl: mosquitto.url };
  }
  if (config.brokerUrl === undefined) {
    const broker = await LocalBroker.start({
      host: config.host,
      mqttPort: config.mqttPort,
      wsPort: config.wsPort,
      registry,
      retained,
      dashboardPort: config.dashboardPort,
      maxConnections: config.maxConnections,
      iotLimits: config.iotLimits,
      mtls:
        config.mqttsPort === undefined
          ? undefined
          : { port: config.mqttsPort, credentials: await brokerCredentials(ca, config.host) },
    });
    stops.push(() => broker.close());
    const source = broker.source();
    return { broker, mosquitto: undefined, source, rulesSource: source, mqttUrl: broker.mqttUrl };
  }
  // Device identity is the external broker's job; its ACL must bind client id to topic level 4.
  const url = config.brokerUrl;
  const rules = await MqttSource.connect({ url, clientIdTopicLevel: 4 });
  stops.push(() => rules.close());
  const service = await MqttSource.connect({ url, clientId: RUNTIME_IDENTITIES.shadowService });
  stops.push(() => service.close());
  return { broker: undefined, mosquitto: undefined, source: service, rulesSource: rules, mqttUrl: url };
}

/** The broker's TLS certificate, issued by the local CA at each start (for `host` as it is now). */
async function brokerCredentials(ca: CertificateAuthority, host: string) {
  const issued = await ca.issueServer(host);
  return { caPem: ca.pem, certificatePem: issued.certificatePem, privateKeyPem: issued.privateKeyPem };
}
