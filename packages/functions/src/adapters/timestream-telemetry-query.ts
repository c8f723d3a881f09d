import {
  QueryCommand,
  type QueryCommandOutput,
  type TimestreamQueryClient,
} from "@aws-sdk/client-timestream-query";
import { fleetlineError } from "@fleetline/core/common";
import { type DeviceType, isDeviceType, isThingName } from "@fleetline/core/devices";
import {
  type DeviceSummary,
  isQueryableMetric,
  NUMERIC_METRICS,
  type SeriesPoint,
  type SeriesQuery,
  type TelemetryQuery,
  TelemetryRecord,
} from "@fleetline/core/telemetry";
import { TIMESTREAM_MEASURE } from "./timestream-telemetry-store.js";

/** The `type` dimension the store writes from a validated record: always a known device type. */
function deviceType(value: string | undefined): DeviceType {
  if (isDeviceType(value)) return value;
  throw fleetlineError(
    "STORE_UNAVAILABLE",
    `a Timestream row has type ${JSON.stringify(value)}, not a known device type`,
  );
}

type Row = Record<string, string | undefined>;

/** Timestream returns times as `2026-01-01 00:00:00.000000000` (UTC). */
function epochMs(value: string | undefined): number {
  return Date.parse(`${(value ?? "").replace(" ", "T").slice(0, 23)}Z`);
}

/**
 * The query side of the Timestream telemetry store, for the query API on AWS: buckets computed
 * by Timestream (`bin`), the newest record rebuilt from its measures, one summary per thing.
 */
export class TimestreamTelemetryQuery implements TelemetryQuery {
  private readonly from: string;

  constructor(
    private readonly client: TimestreamQueryClient,
    database: string,
    table: string,
  ) {
    this.from = `"${database}"."${table}"`;
  }

  private async rows(sql: string): Promise<Row[]> {
    const rows: Row[] = [];
    let token: string | undefined;
    do {
      let page: QueryCommandOutput;
      try {
        page = await this.client.send(new QueryCommand({ QueryString: sql, NextToken: token }));
      } catch (error) {
        throw fleetlineError(
          "STORE_UNAVAILABLE",
          `Timestream query failed: ${(error as Error).message}`,
          error,
        );
      }
      const columns = (page.ColumnInfo ?? []).map((c) => c.Name ?? "");
      for (const row of page.Rows ?? []) {
        rows.push(Object.fromEntries(columns.map((name, i) => [name, row.Data?.[i]?.ScalarValue])));
      }
      token = page.NextToken;
    } while (token);
    return rows;
  }

  /** Thing names and metrics are checked, not quoted: they go into SQL text. */
  private thing(thing: string): string {
    if (!isThingName(thing)) throw fleetlineError("REQUEST_INVALID", `not a thing name: ${thing}`);
    return `'${thing}'`;
  }

  async series(query: SeriesQuery): Promise<SeriesPoint[]> {
    if (!isQueryableMetric(query.metric))
      throw fleetlineError("REQUEST_INVALID", `not a metric: ${query.metric}`);
    const metric = `"${query.metric}"`;
    const rows = await this.rows(
      `SELECT bin(time, ${query.bucketMs}ms) AS t, avg(${metric}) AS avg, min(${metric}) AS min, max(${metric}) AS max, count(${metric}) AS count ` +
        `FROM ${this.from} WHERE measure_name = '${TIMESTREAM_MEASURE}' AND thing = ${this.thing(query.thing)} ` +
        `AND time >= from_milliseconds(${query.from}) AND time < from_milliseconds(${query.to}) AND ${metric} IS NOT NULL ` +
        `GROUP BY bin(time, ${query.bucketMs}ms) ORDER BY t`,
    );
    return rows.map((row) => ({
      t: epochMs(row.t),
      avg: Number(row.avg),
      min: Number(row.min),
      max: Number(row.max),
      count: Number(row.count),
    }));
  }

  async latest(thing: string): Promise<TelemetryRecord | undefined> {
    const [row] = await this.rows(
      `SELECT * FROM ${this.from} WHERE measure_name = '${TIMESTREAM_MEASURE}' AND thing = ${this.thing(thing)} ORDER BY time DESC LIMIT 1`,
    );
    if (!row) return undefined;
    const type = deviceType(row.type);
    const metrics: Record<string, unknown> = { state: row.state };
    for (const name of NUMERIC_METRICS[type]) {
      if (row[name] !== undefined)
        metrics[name] = name === "binFull" ? row[name] === "1.0" || row[name] === "1" : Number(row[name]);
    }
    if (type === "freestyle") {
      metrics.cartridges = Object.fromEntries(
        Object.entries(row)
          .filter(([name, value]) => name.startsWith("cartridges.") && value !== undefined)
          .map(([name, value]) => [name.slice(11), Number(value)]),
      );
    }
    const parsed = TelemetryRecord.safeParse({
      thing,
      type,
      seq: Number(row.seq),
      ts: epochMs(row.time),
      receivedAt: Number(row.receivedAt),
      messageId: row.messageId ?? "",
      metrics,
      faults: JSON.parse(row.faults ?? "[]"),
    });
    if (!parsed.success)
      throw fleetlineError("RECORD_INVALID", `the newest record of ${thing} cannot be rebuilt`);
    return parsed.data;
  }

  async summaries(): Promise<DeviceSummary[]> {
    const rows = await this.rows(
      `SELECT thing, max(type) AS type, max(receivedAt) AS last_seen, max_by(state, time) AS state FROM ${this.from} ` +
        `WHERE measure_name = '${TIMESTREAM_MEASURE}' GROUP BY thing ORDER BY thing`,
    );
    return rows.map((row) => ({
      thing: row.thing ?? "",
      type: deviceType(row.type),
      lastSeen: Number(row.last_seen),
      state: row.state ?? "",
    }));
  }
}
