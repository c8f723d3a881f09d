import { topicMatches } from "@fleetline/core/aws";
import { RUNTIME_IDENTITIES } from "@fleetline/core/devices";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import type { InboundMessage, MessageSource } from "./message-source.js";

export interface MqttSourceOptions {
  url: string;
  clientId?: string;
  username?: string;
  password?: string;
  /**
   * MQTT does not tell a subscriber who published. With an external broker, whose ACLs bind each
   * device's client id to its topic, `clientid()` can be read from this topic level (1-based);
   * left out, `clientid()` is "n/a", as AWS reports it when there is no MQTT client.
   */
  clientIdTopicLevel?: number;
  /** Mutual TLS (`mqtts://`): the CA to trust the broker by, and this client's certificate and key. */
  tls?: { ca: string; cert: string; key: string };
}

/**
 * Messages from any MQTT broker (mosquitto, EMQX, …), as a subscriber. Each message is
 * acknowledged (PUBACK) only after the engine has run its actions.
 */
export class MqttSource implements MessageSource {
  private readonly handlers: Array<{ filter: string; handler: (message: InboundMessage) => Promise<void> }> =
    [];
  /** Times the connection to the broker was lost since start. */
  disconnects = 0;
  lastError: string | undefined;
  /** Topic filters the broker refused to subscribe us to (its ACL): nothing arrives on them. */
  readonly refused: string[] = [];
  private markOpen: () => void = () => undefined;
  private readonly opened = new Promise<void>((resolve) => {
    this.markOpen = resolve;
  });

  private constructor(
    private readonly client: MqttClient,
    private readonly options: MqttSourceOptions,
  ) {
    client.on("close", () => {
      this.disconnects += 1;
    });
    client.on("error", (error) => {
      this.lastError = error.message;
    });
    client.handleMessage = (packet, done) => {
      const topic = packet.topic;
      const payload = typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload;
      const level = options.clientIdTopicLevel;
      const clientId = level === undefined ? "n/a" : (topic.split("/")[level - 1] ?? "n/a");
      // A persistent session redelivers the moment it connects: wait for every subscriber.
      this.opened
        .then(() => {
          const matching = this.handlers.filter(({ filter }) => topicMatches(filter, topic));
          return Promise.all(matching.map(({ handler }) => handler({ topic, payload, clientId })));
        })
        .then(
          () => done(),
          (error: Error) => done(error),
        );
    };
  }

  static async connect(options: MqttSourceOptions): Promise<MqttSource> {
    const connectOptions: IClientOptions = {
      clientId: options.clientId ?? RUNTIME_IDENTITIES.rulesEngine,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 1_000,
      connectTimeout: 5_000,
    };
    if (options.username !== undefined) connectOptions.username = options.username;
    if (options.password !== undefined) connectOptions.password = options.password;
    if (options.tls) Object.assign(connectOptions, { ...options.tls, rejectUnauthorized: true });
    const client = mqtt.connect(options.url, connectOptions);
    // Installed before any packet arrives: a persistent session redelivers what it holds right
    // after CONNACK, and mqtt.js's default handler would acknowledge it unseen.
    const source = new MqttSource(client, options);
    await new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        client.off("connect", onConnect);
        client.off("error", settle);
        if (!error) return resolve();
        client.end(true);
        reject(error);
      };
      const onConnect = () => settle();
      client.on("connect", onConnect);
      client.on("error", settle);
    });
    return source;
  }

  open(): void {
    this.markOpen();
  }

  /** Whether the connection to the broker is up (it reconnects by itself every second). */
  get connected(): boolean {
    return this.client.connected;
  }

  get url(): string {
    return this.options.url;
  }

  /**
   * Registers the handler and subscribes, without waiting for the SUBACK: until `open()`, a message
   * the persistent session redelivers holds mqtt.js's incoming packets (it reads them one at a
   * time), the SUBACK among them. A refused subscription shows in `refused` (and /api/health).
   */
  async subscribe(filter: string, handler: (message: InboundMessage) => Promise<void>): Promise<void> {
    this.handlers.push({ filter, handler });
    this.client.subscribe(filter, { qos: 1 }, (error, granted) => {
      if (error) this.lastError = error.message;
      if (granted?.some((grant) => grant.qos === 128)) {
        this.refused.push(filter);
        this.lastError = `the broker at ${this.options.url} refused the subscription to ${filter}`;
      }
    });
  }

  /** Takes back one subscription; the broker's is dropped once no handler reads its filter. */
  async unsubscribe(filter: string, handler: (message: InboundMessage) => Promise<void>): Promise<void> {
    const at = this.handlers.findIndex((h) => h.filter === filter && h.handler === handler);
    if (at >= 0) this.handlers.splice(at, 1);
    if (!this.handlers.some((h) => h.filter === filter))
      await this.client.unsubscribeAsync(filter).catch(() => undefined);
  }

  /**
   * Hands the message to the client without waiting for the broker's PUBACK: mqtt.js reads one
   * incoming packet at a time, so a handler (a shadow reply, a republish) that waited for its own
   * PUBACK would wait forever behind the message it is handling. The client keeps a QoS 1 message
   * until it is acknowledged and sends it again after a reconnect.
   */
  async publish(topic: string, payload: Uint8Array, qos: 0 | 1): Promise<void> {
    this.client.publish(topic, Buffer.from(payload), { qos }, (error) => {
      if (error) this.lastError = error.message;
    });
  }

  /** Another broker routes by subscription only: the reply is a publish on its topic. */
  async reply(_clientId: string, topic: string, payload: Uint8Array): Promise<void> {
    await this.publish(topic, payload, 1);
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
