import { fleetlineError } from "@fleetline/core/common";
import { isThingName } from "@fleetline/core/devices";
import {
  type DeviceSummary,
  isQueryableMetric,
  lakeDay,
  lakeMetricExpression,
  type SeriesPoint,
  type SeriesQuery,
  type TelemetryQuery,
  type TelemetryRecord,
} from "@fleetline/core/telemetry";
import type { LakeSqlEngine } from "./athena-sql-engine.js";
import type { DynamoDbLatestTelemetry } from "./dynamodb-latest-telemetry.js";

/**
 * The query side of a lake stage: buckets computed by Athena over the Parquet lake (only the days
 * asked for are read: `day` is a partition), each (thing, seq, ts) counted once however often it
 * was delivered; the newest record and the fleet's summaries from DynamoDB, never from Athena.
 */
export class LakeTelemetryQuery implements TelemetryQuery {
  private readonly from: string;

  constructor(
    private readonly engine: LakeSqlEngine,
    table: { database: string; table: string },
    private readonly latestRecords: DynamoDbLatestTelemetry,
  ) {
    this.from = `"${table.database}"."${table.table}"`;
  }

  /** The SQL of a series (Athena's dialect); thing and metric are checked, since they go into the text. */
  seriesSql(query: SeriesQuery): string {
    if (!isThingName(query.thing))
      throw fleetlineError("REQUEST_INVALID", `not a thing name: ${query.thing}`);
    if (!isQueryableMetric(query.metric))
      throw fleetlineError("REQUEST_INVALID", `not a metric: ${query.metric}`);
    const bucket = Math.max(1, Math.floor(query.bucketMs));
    const from = Math.floor(query.from);
    const to = Math.ceil(query.to);
    return (
      "SELECT t, avg(v) AS avg, min(v) AS min, max(v) AS max, count(*) AS count FROM (" +
      `SELECT DISTINCT seq, ts, ts - (ts % ${bucket}) AS t, ${lakeMetricExpression(query.metric)} AS v ` +
      `FROM ${this.from} WHERE day BETWEEN '${lakeDay(from)}' AND '${lakeDay(Math.max(from, to - 1))}' ` +
      `AND thing = '${query.thing}' AND ts >= ${from} AND ts < ${to}` +
      ") WHERE v IS NOT NULL GROUP BY t ORDER BY t"
    );
  }

  async series(query: SeriesQuery): Promise<SeriesPoint[]> {
    if (query.to <= query.from) return [];
    const rows = await this.engine.rows(this.seriesSql(query));
    return rows.map((row) => ({
      t: Number(row.t),
      avg: Number(row.avg),
      min: Number(row.min),
      max: Number(row.max),
      count: Number(row.count),
    }));
  }

  latest(thing: string): Promise<TelemetryRecord | undefined> {
    return this.latestRecords.latest(thing);
  }

  summaries(): Promise<DeviceSummary[]> {
    return this.latestRecords.summaries();
  }
}
