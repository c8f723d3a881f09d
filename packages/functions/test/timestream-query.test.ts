import { QueryCommand, TimestreamQueryClient } from "@aws-sdk/client-timestream-query";
import type { TelemetryRecord } from "@fleetline/core/telemetry";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { TimestreamTelemetryQuery } from "../src/adapters/timestream-telemetry-query.js";
import { timestreamRecord } from "../src/adapters/timestream-telemetry-store.js";

const timestream = mockClient(TimestreamQueryClient);
const query = () =>
  new TimestreamTelemetryQuery(
    new TimestreamQueryClient({ region: "eu-west-1" }),
    "prod-fleetline",
    "telemetry",
  );

beforeEach(() => timestream.reset());

/** A query result as Timestream returns it: column info and rows of scalar strings. */
function result(columns: string[], rows: Array<Array<string | undefined>>, NextToken?: string) {
  return {
    ColumnInfo: columns.map((Name) => ({ Name, Type: { ScalarType: "VARCHAR" as const } })),
    Rows: rows.map((row) => ({
      Data: row.map((ScalarValue) => (ScalarValue === undefined ? { NullValue: true } : { ScalarValue })),
    })),
    ...(NextToken ? { NextToken } : {}),
    QueryId: "q",
  };
}

/** Timestream's time format for an epoch-ms instant. */
const ts = (ms: number) => `${new Date(ms).toISOString().replace("T", " ").replace("Z", "")}000000`;

describe("TimestreamTelemetryQuery (mocked Timestream)", () => {
  it("buckets in Timestream with bin() and reads every page", async () => {
    timestream
      .on(QueryCommand)
      .resolvesOnce(
        result(
          ["t", "avg", "min", "max", "count"],
          [[ts(1_764_288_000_000), "4.5", "4", "5", "12"]],
          "page-2",
        ),
      )
      .resolvesOnce(
        result(["t", "avg", "min", "max", "count"], [[ts(1_764_288_060_000), "5", "5", "5", "1"]]),
      );
    const points = await query().series({
      thing: "fs-1",
      metric: "cartridges.cola",
      from: 1_764_288_000_000,
      to: 1_764_288_120_000,
      bucketMs: 60_000,
    });
    expect(points).toEqual([
      { t: 1_764_288_000_000, avg: 4.5, min: 4, max: 5, count: 12 },
      { t: 1_764_288_060_000, avg: 5, min: 5, max: 5, count: 1 },
    ]);
    const [first, second] = timestream.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(first?.QueryString).toContain('bin(time, 60000ms) AS t, avg("cartridges.cola")');
    expect(first?.QueryString).toContain(
      `FROM "prod-fleetline"."telemetry" WHERE measure_name = 'telemetry' AND thing = 'fs-1'`,
    );
    expect(first?.QueryString).toContain(
      "time >= from_milliseconds(1764288000000) AND time < from_milliseconds(1764288120000)",
    );
    expect(second?.NextToken).toBe("page-2");
  });

  it("rebuilds the newest record from the measures the writer stored", async () => {
    const record: TelemetryRecord = {
      thing: "fs-9",
      type: "freestyle",
      seq: 41,
      ts: 1_764_288_000_123,
      receivedAt: 1_764_288_000_456,
      messageId: "m-41",
      metrics: {
        cabinetTempC: 3.9,
        co2Kpa: 410,
        waterKpa: 280,
        pours: 3,
        cartridges: { cola: 62, lemon: 8 },
        state: "idle",
      },
      faults: [{ code: "CARTRIDGE_LOW", severity: "minor", detail: "lemon 8%" }],
    };
    const written = timestreamRecord(record);
    const measures = written.MeasureValues ?? [];
    const dimensions = written.Dimensions ?? [];
    timestream
      .on(QueryCommand)
      .resolves(
        result(
          [
            ...dimensions.map((d) => d.Name as string),
            "measure_name",
            "time",
            ...measures.map((m) => m.Name as string),
          ],
          [
            [
              ...dimensions.map((d) => d.Value),
              "telemetry",
              ts(record.ts),
              ...measures.map((m) => (m.Type === "DOUBLE" ? `${Number(m.Value).toFixed(1)}` : m.Value)),
            ],
          ],
        ),
      );
    expect(await query().latest("fs-9")).toEqual(record);
  });

  it("summarises each thing, and refuses a thing name that is not one before querying", async () => {
    timestream
      .on(QueryCommand)
      .resolves(
        result(["thing", "type", "last_seen", "state"], [["rb-1", "robot", "1764288000456", "docked"]]),
      );
    expect(await query().summaries()).toEqual([
      { thing: "rb-1", type: "robot", lastSeen: 1_764_288_000_456, state: "docked" },
    ]);
    await expect(query().latest("x' OR '1'='1")).rejects.toMatchObject({ code: "REQUEST_INVALID" });
    expect(timestream.commandCalls(QueryCommand)).toHaveLength(1);
  });
});
