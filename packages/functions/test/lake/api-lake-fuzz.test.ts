import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiGatewayEvent } from "../../../api/test/api-gateway-event.js";
import { API_TOKEN } from "../mocked-aws-api.js";
import { mockedLakeApi } from "./mocked-lake-api.js";

// The query API on a lake stage, asked for instants, ranges, buckets and limits at and past every
// bound: each answer is a 200 the lake query adapter served, or a 400 naming the parameter.
let api: Awaited<ReturnType<typeof mockedLakeApi>>;
beforeAll(async () => {
  api = await mockedLakeApi(["test_fs-fuzz"]);
  const meta = {
    ColumnInfo: ["t", "avg", "min", "max", "count"].map((Name) => ({ Name, Type: "varchar" })),
  };
  api.athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-fuzz" });
  api.athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: "SUCCEEDED" } } });
  api.athena.on(GetQueryResultsCommand).resolves({
    ResultSet: {
      ResultSetMetadata: meta,
      Rows: [{ Data: meta.ColumnInfo.map((c) => ({ VarCharValue: c.Name })) }],
    },
  });
});
afterAll(() => api?.close());

const digits = fc.integer({ min: 1, max: 22 }).chain((n) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`)));
const instant = fc.oneof(
  digits,
  fc.constantFrom(
    "0",
    "8640000000000000",
    "8640000000000001",
    "9999999999999999",
    "253402300799999",
    "253402300800000",
  ),
  fc.constantFrom(
    "0000-01-01",
    "1969-12-31T23:59:59Z",
    "9999-12-31T23:59:59.999Z",
    "2026-13-45",
    "+275760-09-13",
  ),
  fc
    .date({ min: new Date(0), max: new Date("9999-12-31T23:59:59.999Z"), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.string({ maxLength: 8 }),
);
const bucket = fc.oneof(
  fc.tuple(digits, fc.constantFrom("ms", "s", "m", "h", "d")).map(([n, unit]) => `${n}${unit}`),
  fc.constantFrom("1s", "1m", "1h", "1d", "0s", "999999999d", "-1m", "x"),
);
const query = fc.record(
  {
    metric: fc.constantFrom("cabinetTempC", "pours", "batteryPct", ""),
    from: instant,
    to: instant,
    bucket,
    limit: fc.oneof(digits, fc.constantFrom("0", "1", "1000", "1001", "-1")),
  },
  { requiredKeys: [] },
);

describe("the query API on a lake stage, fuzzed at its bounds", () => {
  it("answers 600 generated telemetry, alert and quarantine queries without a 5xx", async () => {
    const statuses = new Map<number, number>();
    for (const [path, params] of fc.sample(
      fc.tuple(
        fc.constantFrom(
          "/api/devices/test_fs-fuzz/telemetry",
          "/api/alerts",
          "/api/rejected",
          "/api/commands",
        ),
        query,
      ),
      { numRuns: 600, seed: 20261203 },
    )) {
      const search = new URLSearchParams(Object.entries(params) as Array<[string, string]>);
      const response = await api.aws.handler(
        apiGatewayEvent("GET", `${path}?${search}`, { headers: { authorization: `Bearer ${API_TOKEN}` } }),
      );
      const status = response.statusCode as number;
      expect(status, `${path}?${search}: ${response.body}`).toBeLessThan(500);
      if (status === 400) expect(JSON.parse(response.body as string).error.message).toMatch(/^\w+: /);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    expect(statuses.get(200)).toBeGreaterThan(20);
    expect(statuses.get(400)).toBeGreaterThan(20);
  });
});
