import type { ApiApp } from "@fleetline/api";
import type { Database, SqlParams } from "../stores/database.js";
import type { EventSourceEmulator } from "../streams/event-sources/event-source-emulator.js";
import type { QueueMessage } from "../streams/queues/local-queues.js";
import type { StandIns } from "./stand-ins.js";

/**
 * What a test may reach of a running runtime that no API shows: the store's rows, to prove each
 * acknowledged message was stored exactly once, and a queue's messages; and, for this package's
 * own tests, the runtime's DuckDB and event sources, to arrange what an older version left behind
 * or replay a stream to a function of the test's.
 */
export class RuntimeProbe {
  constructor(private readonly parts: { standIns: StandIns; app: ApiApp }) {}

  /** A read-only query of the runtime's DuckDB (the `telemetry`, `readings`, … tables). */
  query<T extends Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]> {
    if (!/^\s*(SELECT|WITH)\b/i.test(sql)) throw new Error("the probe only reads: SELECT or WITH");
    return this.parts.standIns.db.all<T>(sql, params);
  }

  /** The messages waiting in a local queue (`fleetline-dead-letter`, `fleetline-rule-errors`), oldest first. */
  queued(queue: string, limit = 1000): Promise<QueueMessage[]> {
    return this.parts.standIns.queues.list(queue, limit);
  }

  /** The HTTP API's app, to answer the same requests through another adapter (this package's tests only). */
  app(): ApiApp {
    return this.parts.app;
  }

  /** The runtime's DuckDB, to open an adapter on it (this package's tests only). */
  database(): Database {
    return this.parts.standIns.db;
  }

  /** Maps a function of the test's to a stream, as Lambda's event-source mappings do (this package's tests only). */
  addEventSource(settings: Parameters<EventSourceEmulator["add"]>[0]): Promise<void> {
    return this.parts.standIns.eventSources.add(settings);
  }
}
