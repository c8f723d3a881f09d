import type {
  Clock,
  Counters,
  DeadLetterQueue,
  Quarantine,
  TelemetryQuery,
  ThingRegistry,
} from "@fleetline/core";

/** What the query API reads and writes; the same shape is served from AWS adapters (SPEC §4). */
export interface ApiContext {
  registry: ThingRegistry;
  telemetry: TelemetryQuery;
  quarantine: Quarantine;
  counters: Counters;
  deadLetters: DeadLetterQueue;
  clock: Clock;
  info: {
    version: string;
    mqttUrl: string;
    wsUrl: string;
    kinesisEndpoint: string;
    dataPlaneEndpoint: string;
  };
  /** True once every component is up. */
  ready(): boolean;
}
