import type { TelemetryRecord } from "./schema/telemetry.js";

export interface WriteResult {
  /** Records that became new rows. */
  stored: number;
  /** Records whose identity (thing, seq, ts) was already stored: replays, not errors. */
  duplicates: number;
  /** Records the store refused for what they are (e.g. outside its retention): to quarantine, not retry. */
  rejected?: Array<{ record: TelemetryRecord; reason: string }>;
}

/** Where validated telemetry is kept (DuckDB locally, Timestream on AWS). */
export interface TelemetryStore {
  /**
   * Writes records idempotently: the same (thing, seq, ts) twice is one row; the same seq at another
   * device time (a rebooted device) is another. Throws TransientError on outage.
   */
  write(records: readonly TelemetryRecord[]): Promise<WriteResult>;
}

export interface SeriesQuery {
  thing: string;
  metric: string;
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  bucketMs: number;
}

export interface SeriesPoint {
  /** Bucket start, epoch ms. */
  t: number;
  avg: number;
  min: number;
  max: number;
  count: number;
}

export interface DeviceSummary {
  thing: string;
  type: TelemetryRecord["type"];
  /** Receive time of the newest record, epoch ms. */
  lastSeen: number;
  /** `metrics.state` of the newest record. */
  state: string;
}

/** The read side of the telemetry store, behind the query API (docs/reference/api.md). */
export interface TelemetryQuery {
  /** Bucketed avg/min/max/count of one metric, computed by the store (never in the caller). */
  series(query: SeriesQuery): Promise<SeriesPoint[]>;
  /** The newest record of a thing by device time. */
  latest(thing: string): Promise<TelemetryRecord | undefined>;
  /** One summary per thing that has stored telemetry. */
  summaries(): Promise<DeviceSummary[]>;
}
