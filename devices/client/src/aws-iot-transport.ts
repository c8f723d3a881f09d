import { iot, mqtt } from "aws-iot-device-sdk-v2";
import type { Transport } from "./transport.js";

export interface AwsIotTransportOptions {
  /** The account's AWS IoT data endpoint, e.g. `abc123-ats.iot.eu-west-1.amazonaws.com`. */
  endpoint: string;
  clientId: string;
  port?: number;
}

/** Paths of the device certificate, its private key and the CA (the Amazon root CA, or fleetline dev's). */
export interface CertificateFiles {
  certPath: string;
  keyPath: string;
  caPath?: string;
}

/** The same, in memory (PEM), for a device that holds them in its secure element rather than files. */
export interface CertificatePems {
  certPem: string;
  keyPem: string;
  caPem?: string;
}

/**
 * AWS IoT Core over MQTT 3.1.1 with X.509 client certificates (mTLS), through the AWS IoT Device
 * SDK v2. Each connect() makes a fresh connection, so reconnects follow the device client's backoff.
 */
export class AwsIotTransport implements Transport {
  private connection: mqtt.MqttClientConnection | undefined;
  private messageHandler: (topic: string, payload: Uint8Array) => void = () => undefined;
  private closeHandler: (error?: Error) => void = () => undefined;
  private readonly client = new mqtt.MqttClient();

  constructor(private readonly options: AwsIotTransportOptions & (CertificateFiles | CertificatePems)) {}

  private config(): mqtt.MqttConnectionConfig {
    const { options } = this;
    const builder =
      "certPem" in options
        ? iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder(options.certPem, options.keyPem)
        : iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder_from_path(options.certPath, options.keyPath);
    builder
      .with_endpoint(options.endpoint)
      .with_port(options.port ?? 8883)
      .with_client_id(options.clientId)
      .with_clean_session(true);
    if ("caPem" in options && options.caPem) builder.with_certificate_authority(options.caPem);
    if ("caPath" in options && options.caPath)
      builder.with_certificate_authority_from_path(undefined, options.caPath);
    return builder.build();
  }

  async connect(): Promise<void> {
    const connection = this.client.new_connection(this.config());
    connection.on("message", (topic, payload) => this.messageHandler(topic, new Uint8Array(payload)));
    connection.on("interrupt", (error) => {
      // Stop the SDK's own reconnection: the device client decides when to try again.
      void connection.disconnect().catch(() => undefined);
      if (this.connection === connection) this.connection = undefined;
      this.closeHandler(error);
    });
    await connection.connect();
    this.connection = connection;
  }

  /** Connects and hands over the SDK's connection, for the SDK's service clients (the identity client). */
  async open(): Promise<mqtt.MqttClientConnection> {
    await this.connect();
    return this.connection as mqtt.MqttClientConnection;
  }

  async publish(topic: string, payload: Uint8Array, qos: 0 | 1): Promise<void> {
    if (!this.connection) throw new Error("not connected");
    await this.connection.publish(topic, payload, qos === 1 ? mqtt.QoS.AtLeastOnce : mqtt.QoS.AtMostOnce);
  }

  async subscribe(filters: string[]): Promise<void> {
    if (!this.connection) throw new Error("not connected");
    for (const filter of filters) await this.connection.subscribe(filter, mqtt.QoS.AtLeastOnce);
  }

  onMessage(handler: (topic: string, payload: Uint8Array) => void): void {
    this.messageHandler = handler;
  }

  onClose(handler: (error?: Error) => void): void {
    this.closeHandler = handler;
  }

  async end(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    await connection?.disconnect();
  }
}
