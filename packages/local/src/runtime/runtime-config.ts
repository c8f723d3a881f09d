import type { ListenTarget } from "../lib/net/listen.js";
import type { InjectedFailures } from "./injected-failures.js";

/**
 * Every setting of `fleetline dev`, read once by the CLI (docs/guide/local-runtime.md) and handed
 * whole to the composition root: each part takes the fields it needs from this one object.
 */
export interface RuntimeConfig {
  /** Listen address for devices and the API; the Kinesis API always stays on 127.0.0.1. */
  host: string;
  mqttPort: number;
  wsPort: number;
  httpPort: number;
  kinesisPort: number;
  /** State directory; undefined keeps everything in memory. */
  dataDir?: string;
  /** An external broker (`mqtt://host:port`) instead of the embedded one. */
  brokerUrl?: string;
  apiToken?: string;
  /** A read-only token for the API beside the operator's `apiToken`. */
  viewerToken?: string;
  /** Open device connections at most (default 12,000). */
  maxConnections?: number;
  /**
   * IoT Core's per-connection limits on the embedded broker (keep-alive 30–1,200 s, 100 publishes
   * and 512 KB a second, 8 filters a SUBSCRIBE, stored messages at 10 a second): on unless false
   * (`--no-iot-limits`).
   */
  iotLimits?: boolean;
  /** The mutual-TLS port for devices with certificates (AWS IoT Core's 8883); none when undefined. */
  mqttsPort?: number;
  /** Devices on MQTT 5 through mosquitto on `mqttsPort` (docs/guide/firmware.md). */
  mqtt5?: boolean;
  version: string;
  /** Failures to inject (the fault-injection suite); read at each call, so a test may change them. */
  failures?: InjectedFailures;
  /**
   * Records the event sources may hold, read and not yet done with, before new messages wait for
   * them (their PUBACKs with them): the backlog's bound under overload (default 10,000).
   */
  maxBacklog?: number;
  /** Shards per stream (default 2, as the stacks provision). */
  shardCount?: number;
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

/** Every port the config has the runtime listen on, with the flag that moves it. */
export function listenTargets(config: RuntimeConfig): ListenTarget[] {
  const { host } = config;
  const embedded = config.brokerUrl === undefined && !config.mqtt5;
  return [
    { label: "HTTP", flag: "--http-port", host, port: config.httpPort },
    ...(embedded
      ? [
          { label: "MQTT", flag: "--mqtt-port", host, port: config.mqttPort },
          { label: "MQTT over WebSocket", flag: "--ws-port", host, port: config.wsPort },
        ]
      : []),
    ...(config.mqttsPort !== undefined && config.brokerUrl === undefined
      ? [{ label: "MQTT over mutual TLS", flag: "--mqtts-port", host, port: config.mqttsPort }]
      : []),
    // The Kinesis API has no authentication: whatever --host says, it stays on this machine.
    { label: "Kinesis", flag: "--kinesis-port", host: "127.0.0.1", port: config.kinesisPort },
  ];
}
