import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QUEUES, RUNTIME_IDENTITIES, STREAMS, type TopicRule } from "@fleetline/core";
import { LocalBroker } from "./broker/broker.js";
import { CertificateAuthority } from "./broker/certificate-authority.js";
import { type MosquittoBroker, startMosquitto } from "./broker/mosquitto-broker.js";
import { CheckpointStore } from "./event-source/checkpoint-store.js";
import { type EmulatorOptions, EventSourceEmulator } from "./event-source/event-source-emulator.js";
import type { StorageFaults } from "./faults/storage-faults.js";
import { LOCAL_REGION } from "./kinesis/kinesis-client.js";
import { KinesisTwin } from "./kinesis/kinesis-twin.js";
import { AsyncInvoker, type AsyncInvokerOptions } from "./lambda/async-invoker.js";
import { LocalQueues } from "./queues/local-queues.js";
import { DeviceRegistry } from "./registry/device-registry.js";
import type { MessageSource } from "./rules/message-source.js";
import { MqttSource } from "./rules/mqtt-source.js";
import { RulesEngine, type RulesEngineOptions } from "./rules/rules-engine.js";
import { Database } from "./state/database.js";

/** The broker's TLS certificate, issued by the local CA at each start (for `host` as it is now). */
async function brokerCredentials(ca: CertificateAuthority, host: string) {
  const issued = await ca.issueServer(host);
  return { caPem: ca.pem, certificatePem: issued.certificatePem, privateKeyPem: issued.privateKeyPem };
}

export interface TwinsOptions {
  host: string;
  mqttPort: number;
  wsPort: number;
  kinesisPort: number;
  /** State directory; undefined keeps everything in memory. */
  dataDir?: string;
  /** An external broker (`mqtt://host:port`) instead of the embedded one. */
  brokerUrl?: string;
  /** The embedded broker's connection limit. */
  maxConnections?: number;
  /** The embedded broker's mutual-TLS port (AWS IoT Core's 8883); none when undefined. */
  mqttsPort?: number;
  /** Devices on MQTT 5 (and 3.1.1) through mosquitto on `mqttsPort`, configured from the registry. */
  mqtt5?: boolean;
  rules: readonly TopicRule[];
  shardCount?: number;
  onUnhandledFailure?: RulesEngineOptions["onUnhandledFailure"];
  onEventSourceError?: EmulatorOptions["onError"];
  onAsyncInvokeError?: AsyncInvokerOptions["onError"];
  /** The fault-injection suite's storage switch (a full disk). */
  faults?: StorageFaults;
  /** The port of the runtime's dashboard: the only page the Kinesis and WebSocket ports serve. */
  dashboardPort?: () => number;
  /**
   * Leave the message source closed until `open()`, for a caller that subscribes more (the shadow
   * service) first; by default it opens once the rules engine has subscribed.
   */
  deferOpen?: boolean;
}

/**
 * The local stand-ins for AWS IoT Core, Kinesis, SQS and Lambda's event-source mappings, started
 * together and stopped in the order that loses nothing: devices first, then the rules in flight,
 * then the batches in flight, then the streams and the state.
 */
export class LocalTwins {
  private constructor(
    readonly db: Database,
    /** A second connection to `db` for checkpoints and counters (`Database.connect`). */
    readonly bookkeeping: Database,
    readonly registry: DeviceRegistry,
    readonly broker: LocalBroker | undefined,
    /** The MQTT 5 device broker (`--mqtt5`), when it is mosquitto. */
    readonly mosquitto: MosquittoBroker | undefined,
    /** What the shadow service and the publishers use. */
    readonly source: MessageSource,
    /** What the rules engine reads: `source` itself on the embedded broker, else a client of its own. */
    readonly rulesSource: MessageSource,
    readonly kinesis: KinesisTwin,
    readonly queues: LocalQueues,
    readonly engine: RulesEngine,
    /** The functions IoT rules invoke (Lambda actions), asynchronously. */
    readonly functions: AsyncInvoker,
    readonly eventSources: EventSourceEmulator,
    readonly mqttUrl: string,
  ) {}

  static async start(options: TwinsOptions): Promise<LocalTwins> {
    const started: Array<() => Promise<void>> = [];
    try {
      const db = await Database.open(
        options.dataDir ? join(options.dataDir, "fleetline.duckdb") : ":memory:",
        options.faults,
      );
      started.push(() => db.close());
      // Checkpoints and counters, written after every batch, on a connection of their own.
      const bookkeeping = await db.connect();
      // The local CA: it signs device certificates and the broker's own (kept in the data dir).
      const ca = await CertificateAuthority.open(options.dataDir ? join(options.dataDir, "ca") : undefined);
      const registry = await DeviceRegistry.open(db, ca);
      const queues = await LocalQueues.open(db);
      const kinesis = await KinesisTwin.start({
        // The Kinesis API has no authentication: whatever --host says, it stays on this machine.
        host: "127.0.0.1",
        port: options.kinesisPort,
        streams: Object.values(STREAMS),
        shardCount: options.shardCount ?? 2,
        ...(options.dataDir ? { path: join(options.dataDir, "kinesis") } : {}),
        ...(options.faults ? { faults: options.faults } : {}),
        ...(options.dashboardPort ? { dashboardPort: options.dashboardPort } : {}),
      });
      started.push(() => kinesis.close());
      let broker: LocalBroker | undefined;
      /** What the runtime's shadow service and publishers use; `rulesSource` what the rules engine reads. */
      let source: MessageSource;
      let rulesSource: MessageSource | undefined;
      let mosquitto: MosquittoBroker | undefined;
      if (options.mqtt5) {
        const dir = options.dataDir
          ? join(options.dataDir, "mosquitto")
          : await mkdtemp(join(tmpdir(), "fleetline-mosquitto-"));
        mosquitto = await startMosquitto({
          dir,
          host: options.host,
          port: options.mqttsPort ?? 8883,
          ca,
          registry,
          temporary: !options.dataDir,
        });
        started.push(() => (mosquitto as MosquittoBroker).stop());
        // The rules engine and the shadow service connect over mutual TLS, each as itself.
        const { clients } = mosquitto;
        const rules = await MqttSource.connect({
          url: mosquitto.url,
          tls: clients.rulesEngine,
          clientIdTopicLevel: 4,
        });
        started.push(() => rules.close());
        const service = await MqttSource.connect({
          url: mosquitto.url,
          tls: clients.shadowService,
          clientId: RUNTIME_IDENTITIES.shadowService,
        });
        started.push(() => service.close());
        rulesSource = rules;
        source = service;
      } else if (options.brokerUrl === undefined) {
        broker = await LocalBroker.start({
          host: options.host,
          mqttPort: options.mqttPort,
          wsPort: options.wsPort,
          registry,
          ...(options.dashboardPort ? { dashboardPort: options.dashboardPort } : {}),
          ...(options.maxConnections !== undefined ? { maxConnections: options.maxConnections } : {}),
          ...(options.mqttsPort !== undefined
            ? { mtls: { port: options.mqttsPort, credentials: await brokerCredentials(ca, options.host) } }
            : {}),
        });
        started.push(() => (broker as LocalBroker).close());
        source = broker.source();
      } else {
        // Device identity is the external broker's job; its ACL must bind client id to topic level 4.
        const url = options.brokerUrl;
        const rules = await MqttSource.connect({ url, clientIdTopicLevel: 4 });
        started.push(() => rules.close());
        const service = await MqttSource.connect({ url, clientId: RUNTIME_IDENTITIES.shadowService });
        started.push(() => service.close());
        rulesSource = rules;
        source = service;
      }
      const functions = new AsyncInvoker({
        onFailure: queues.queue(QUEUES.deadLetter),
        region: LOCAL_REGION,
        ...(options.onAsyncInvokeError ? { onError: options.onAsyncInvokeError } : {}),
      });
      started.push(() => functions.stop());
      const engine = await RulesEngine.start({
        rules: options.rules,
        source: rulesSource ?? source,
        targets: { kinesis: kinesis.inProcess, queues, functions },
        ...(options.onUnhandledFailure ? { onUnhandledFailure: options.onUnhandledFailure } : {}),
      });
      const eventSources = new EventSourceEmulator({
        kinesis: kinesis.inProcess,
        checkpoints: await CheckpointStore.open(bookkeeping),
        queues,
        ...(options.onEventSourceError ? { onError: options.onEventSourceError } : {}),
      });
      if (!options.deferOpen) {
        source.open();
        rulesSource?.open();
      }
      const mqttUrl = broker?.mqttUrl ?? mosquitto?.url ?? (options.brokerUrl as string);
      return new LocalTwins(
        db,
        bookkeeping,
        registry,
        broker,
        mosquitto,
        source,
        rulesSource ?? source,
        kinesis,
        queues,
        engine,
        functions,
        eventSources,
        mqttUrl,
      );
    } catch (error) {
      for (const stop of started.reverse()) await stop().catch(() => undefined);
      throw error;
    }
  }

  /** Every subscriber is in place: the source starts handing over messages. */
  open(): void {
    this.source.open();
    if (this.rulesSource !== this.source) this.rulesSource.open();
  }

  /** `beforeStateCloses` runs after the last batch, while the database is still open. */
  async close(): Promise<void> {
    if (this.broker) await this.broker.stopAccepting();
    // Nothing is acknowledged before it is stored: what the engine holds now was never PUBACKed.
    await this.engine.stop();
    if (this.broker) await this.broker.close();
    else {
      await this.rulesSource.close();
      await this.source.close();
    }
    await this.mosquitto?.stop();
    await this.functions.stop();
    await this.eventSources.stop();
    await this.kinesis.close();
    await this.db.close();
  }
}
