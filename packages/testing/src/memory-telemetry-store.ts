import {
  type DeviceSummary,
  isAfter,
  readingsOf,
  recordKey,
  type SeriesPoint,
  type SeriesQuery,
  type TelemetryQuery,
  type TelemetryRecord,
  type TelemetryStore,
  type WriteResult,
} from "@fleetline/core/telemetry";
import { FailureSwitches, type WithFailures, withFailures } from "./failure-switches.js";

/** Telemetry in memory, one row per record identity (thing, seq, ts), with the same queries as the stores. */
export class MemoryTelemetryStore implements TelemetryStore, TelemetryQuery {
  private readonly rows = new Map<string, TelemetryRecord>();

  static create(): WithFailures<MemoryTelemetryStore> {
    return withFailures(new MemoryTelemetryStore(), new FailureSwitches("STORE_UNAVAILABLE"));
  }

  async write(records: readonly TelemetryRecord[]): Promise<WriteResult> {
    let stored = 0;
    for (const record of records) {
      if (this.rows.has(recordKey(record))) continue;
      this.rows.set(recordKey(record), structuredClone(record));
      stored += 1;
    }
    return { stored, duplicates: records.length - stored };
  }

  async series(query: SeriesQuery): Promise<SeriesPoint[]> {
    const buckets = new Map<number, number[]>();
    for (const record of this.rows.values()) {
      if (record.thing !== query.thing || record.ts < query.from || record.ts >= query.to) continue;
      for (const reading of readingsOf(record)) {
        if (reading.metric !== query.metric) continue;
        const t = Math.floor(record.ts / query.bucketMs) * query.bucketMs;
        buckets.set(t, [...(buckets.get(t) ?? []), reading.value]);
      }
    }
    return [...buckets.entries()]
      .sort(([a], [b]) => a - b)
      .map(([t, values]) => ({
        t,
        avg: values.reduce((sum, v) => sum + v, 0) / values.length,
        min: Math.min(...values),
        max: Math.max(...values),
        count: values.length,
      }));
  }

  async latest(thing: string): Promise<TelemetryRecord | undefined> {
    let newest: TelemetryRecord | undefined;
    for (const record of this.rows.values())
      if (record.thing === thing && (!newest || isAfter(record, newest))) newest = record;
    return newest && structuredClone(newest);
  }

  async summaries(): Promise<DeviceSummary[]> {
    const newest = new Map<string, TelemetryRecord>();
    for (const record of this.rows.values()) {
      const seen = newest.get(record.thing);
      if (!seen || isAfter(record, seen)) newest.set(record.thing, record);
    }
    return [...newest.values()].map((record) => ({
      thing: record.thing,
      type: record.type,
      lastSeen: record.receivedAt,
      state: record.metrics.state,
    }));
  }
}
