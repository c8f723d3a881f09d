/**
 * The telemetry lake's table (docs/architecture.md §4): one row per validated record, as Parquet
 * under `telemetry/day=YYYY-MM-DD/type={type}/` on S3, described once here for everything that
 * touches it — the Glue table the stacks declare, the rows the store function sends to Firehose,
 * the Athena queries, and the Parquet files the offline tests write.
 */
import { DEVICE_TYPES } from "../devices/device-types.js";
import { NUMERIC_METRICS, readingsOf } from "./metrics.js";
import type { TelemetryRecord } from "./schema/telemetry.js";

export type LakeColumnType = "string" | "bigint" | "double" | "map<string,double>" | "faults";

export interface LakeColumn {
  /** Lower case: Glue and Athena fold names to it. */
  name: string;
  type: LakeColumnType;
  comment: string;
}

/** Every numeric metric of every device type, each its own column (null where a type has none). */
export const LAKE_METRIC_COLUMNS: readonly string[] = [
  ...new Set(DEVICE_TYPES.flatMap((type) => NUMERIC_METRICS[type])),
];

export const LAKE_COLUMNS: readonly LakeColumn[] = [
  { name: "thing", type: "string", comment: "thing name" },
  { name: "seq", type: "bigint", comment: "the device's sequence number" },
  { name: "ts", type: "bigint", comment: "device time, epoch ms" },
  { name: "received_at", type: "bigint", comment: "broker receive time, epoch ms" },
  { name: "message_id", type: "string", comment: "the rule's newuuid()" },
  { name: "state", type: "string", comment: "metrics.state" },
  ...LAKE_METRIC_COLUMNS.map((metric) => ({
    name: metric.toLowerCase(),
    type: "double" as const,
    comment: `metrics.${metric} (booleans as 0/1)`,
  })),
  { name: "cartridges", type: "map<string,double>", comment: "dispensers: level per flavor, %" },
  { name: "faults", type: "faults", comment: "the faults reported with the record" },
];

/** Hive-style partitions, in path order: the record's UTC day by device time, and its type. */
export const LAKE_PARTITIONS = [
  { name: "day", type: "string", comment: "yyyy-MM-dd of ts (UTC)" },
  { name: "type", type: "string", comment: "device type" },
] as const;

/** The key prefix of the lake's objects in its bucket. */
export const LAKE_PREFIX = "telemetry/";

/** The Glue/Hive type of a column. */
export function glueType(type: LakeColumnType): string {
  return type === "faults" ? "array<struct<code:string,severity:string,detail:string>>" : type;
}

/** A record's UTC day (`yyyy-MM-dd`) by device time: its `day` partition. */
export function lakeDay(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}

export type LakeRow = Record<string, string | number | null | Record<string, number> | object[]>;

/** The row of a record, with its partition values (`day`, `type`) as fields. */
export function lakeRow(record: TelemetryRecord): LakeRow {
  const row: LakeRow = {
    thing: record.thing,
    seq: record.seq,
    ts: record.ts,
    received_at: record.receivedAt,
    message_id: record.messageId,
    state: record.metrics.state,
  };
  for (const metric of LAKE_METRIC_COLUMNS) row[metric.toLowerCase()] = null;
  const cartridges: Record<string, number> = {};
  for (const { metric, value } of readingsOf(record)) {
    if (metric.startsWith("cartridges.")) cartridges[metric.slice("cartridges.".length)] = value;
    else row[metric.toLowerCase()] = value;
  }
  row.cartridges = cartridges;
  row.faults = record.faults.map((fault) => ({
    code: fault.code,
    severity: fault.severity,
    detail: fault.detail ?? null,
  }));
  row.day = lakeDay(record.ts);
  row.type = record.type;
  return row;
}

/**
 * The SQL expression of a queryable metric over the lake's columns (Athena's dialect): a column,
 * or a flavor's level in `cartridges`. `metric` must have passed `isQueryableMetric`.
 */
export function lakeMetricExpression(metric: string): string {
  if (metric.startsWith("cartridges."))
    return `element_at(cartridges, '${metric.slice("cartridges.".length)}')`;
  return `"${metric.toLowerCase()}"`;
}
