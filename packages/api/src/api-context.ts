import type { AlarmPorts } from "@fleetline/core/alarms";
import type { JobsReader, ShadowGateway } from "@fleetline/core/commands";
import type { Clock } from "@fleetline/core/common";
import type { PresenceStore, ThingRegistry } from "@fleetline/core/devices";
import type { Counters, HealthReport } from "@fleetline/core/pipeline";
import type { DeadLetterQueue, Redrive } from "@fleetline/core/redrive";
import type { Quarantine, TelemetryQuery } from "@fleetline/core/telemetry";

/** What the query API reads and writes; the same shape is served from AWS adapters (docs/guide/local-runtime.md, "Query it"). */
export interface ApiContext {
  registry: ThingRegistry;
  telemetry: TelemetryQuery;
  quarantine: Quarantine;
  counters: Counters;
  deadLetters: DeadLetterQueue;
  /**
   * What the pipeline set aside, taken through it again (`fleetline redrive`): locally here; on
   * AWS a function of its own serves these routes, with the rights they need.
   */
  redrive?: Redrive;
  /** Alarms, commands and the alert channels, for the alarm use cases (ack). */
  alarms: AlarmPorts;
  clock: Clock;
  info: {
    version: string;
    mqttUrl: string;
    /** Devices with certificates (mutual TLS), when there is such a port. */
    mqttsUrl?: string;
    wsUrl: string;
    kinesisEndpoint: string;
    dataPlaneEndpoint: string;
    /** The AWS IoT control plane (Jobs, things) for `@aws-sdk/client-iot`, where one is served. */
    iotEndpoint?: string;
    /** The CA a device must trust to reach the mutual-TLS port (fleetline dev's own), PEM. */
    caPem?: string;
  };
  /** AWS IoT Jobs, read for the dashboard (the local Jobs service, or a stage's AWS IoT). */
  jobs?: JobsReader;
  /** Device shadows through the IoT Data Plane API (the local runtime's or AWS IoT Core's). */
  shadows: ShadowGateway;
  /**
   * Whether a device is connected now, where the broker can tell (the embedded one); undefined
   * where it cannot, and the API then says nothing of it.
   */
  connected?(thing: string): boolean;
  /**
   * Each device's presence from AWS IoT Core's lifecycle events (docs/guide/operate.md,
   * "Presence"): since when it is connected or not, and why its last connection ended.
   */
  presence?: Pick<PresenceStore, "get" | "all">;
  /** True once every component is up. */
  ready(): boolean;
  /** Each component's health (`GET /api/health`); a component `down` turns `/healthz` to 503. */
  health?(): Promise<HealthReport>;
}
