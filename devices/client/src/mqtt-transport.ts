import mqtt, { type MqttClient } from "mqtt";
import type { Transport } from "./transport.js";

export interface MqttTransportOptions {
  /** `mqtt://`, `mqtts://`, `ws://` or `wss://` */
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  /** PEM strings for `mqtts://` with client certificates. */
  ca?: string;
  cert?: string;
  key?: string;
  keepaliveSeconds?: number;
}

/** Plain MQTT 3.1.1 with mqtt.js: the local runtime, mosquitto, or any broker. */
export class MqttTransport implements Transport {
  private client: MqttClient | undefined;
  private messageHandler: (topic: string, payload: Uint8Array) => void = () => undefined;
  private closeHandler: (error?: Error) => void = () => undefined;

  constructor(private readonly options: MqttTransportOptions) {}

  async connect(): Promise<void> {
    const { url, clientId, username, password, ca, cert, key, keepaliveSeconds } = this.options;
    // Reconnects are the device client's job (with backoff), so mqtt.js never retries by itself.
    const client = await mqtt.connectAsync(url, {
      clientId,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      keepalive: keepaliveSeconds ?? 60,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(ca !== undefined ? { ca } : {}),
      ...(cert !== undefined ? { cert } : {}),
      ...(key !== undefined ? { key } : {}),
    });
    client.on("message", (topic, payload) => this.messageHandler(topic, payload));
    client.on("error", () => undefined);
    client.once("close", () => {
      if (this.client === client) this.client = undefined;
      this.closeHandler();
    });
    this.client = client;
  }

  async publish(topic: string, payload: Uint8Array, qos: 0 | 1, signal?: AbortSignal): Promise<void> {
    const client = this.client;
    if (!client?.connected) throw new Error("not connected");
    const before = client.getLastMessageId();
    const sent = new Promise<void>((resolve, reject) =>
      client.publish(topic, Buffer.from(payload), { qos }, (error) => (error ? reject(error) : resolve())),
    );
    // The packet id it took, when it took one now: mqtt.js keeps the message until its PUBACK.
    const id = client.getLastMessageId();
    if (signal && id !== before)
      signal.addEventListener("abort", () => client.removeOutgoingMessage(id), { once: true });
    await sent;
  }

  async subscribe(filters: string[]): Promise<void> {
    if (!this.client) throw new Error("not connected");
    await this.client.subscribeAsync(filters, { qos: 1 });
  }

  onMessage(handler: (topic: string, payload: Uint8Array) => void): void {
    this.messageHandler = handler;
  }

  onClose(handler: (error?: Error) => void): void {
    this.closeHandler = handler;
  }

  async end(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.endAsync(true);
  }
}
