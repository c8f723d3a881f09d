import type {
  AlertPublisher,
  AlertStore,
  Clock,
  CommandLedger,
  Counters,
  DeadLetterQueue,
  JsonObject,
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
  alerts: AlertStore;
  ledger: CommandLedger;
  publisher: AlertPublisher;
  clock: Clock;
  info: {
    version: string;
    mqttUrl: string;
    wsUrl: string;
    kinesisEndpoint: string;
    dataPlaneEndpoint: string;
  };
  /** The thing's classic shadow (as GetThingShadow returns it), or null. */
  shadow(thing: string): Promise<JsonObject | null>;
  /** True once every component is up. */
  ready(): boolean;
}
