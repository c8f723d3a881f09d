import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiGatewayEvent } from "../../../api/test/api-gateway-event.js";
import { API_TOKEN } from "../mocked-aws-api.js";
import { mockedLakeApi } from "./mocked-lake-api.js";

// The API Lambda's entry point on a lake stage.
let api: Awaited<ReturnType<typeof mockedLakeApi>>;
beforeAll(async () => {
  api = await mockedLakeApi(["test_fs-lake"]);
});
afterAll(() => api?.close());

async function get(path: string) {
  const response = await api.aws.handler(
    apiGatewayEvent("GET", path, { headers: { authorization: `Bearer ${API_TOKEN}` } }),
  );
  return { status: response.statusCode, body: JSON.parse(response.body as string) };
}

describe("the query API Lambda on a lake stage", () => {
  it("lists the fleet from each thing's newest record in DynamoDB, without Athena", async () => {
    const calls = api.athena.commandCalls(StartQueryExecutionCommand).length;
    const devices = await get("/api/devices");
    expect(devices.status).toBe(200);
    expect(devices.body).toEqual([expect.objectContaining({ thing: "test_fs-lake", type: "freestyle" })]);
    expect(api.athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(calls);
  });

  it("charts a metric from Athena in the stage's workgroup, and turns the scan cutoff into a 400", async () => {
    api.athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-1" });
    api.athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: "SUCCEEDED" } } });
    const meta = {
      ColumnInfo: ["t", "avg", "min", "max", "count"].map((Name) => ({ Name, Type: "varchar" })),
    };
    api.athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: meta,
        Rows: [
          { Data: meta.ColumnInfo.map((c) => ({ VarCharValue: c.Name })) },
          { Data: ["1764297000000", "4.5", "4", "5", "2"].map((VarCharValue) => ({ VarCharValue })) },
        ],
      },
    });
    const from = 1_764_297_000_000;
    const series = await get(
      `/api/devices/test_fs-lake/telemetry?metric=cabinetTempC&from=${from}&to=${from + 60_000}&bucket=1m`,
    );
    expect(series.status).toBe(200);
    expect(series.body.points).toEqual([{ t: from, avg: 4.5, min: 4, max: 5, count: 2 }]);
    const [start] = api.athena.commandCalls(StartQueryExecutionCommand);
    expect(start?.args[0].input).toMatchObject({
      WorkGroup: "test-fleetline",
      QueryExecutionContext: { Database: "test_fleetline" },
    });
    expect(start?.args[0].input.QueryString).toContain(`FROM "test_fleetline"."telemetry" WHERE day BETWEEN`);

    api.athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: "FAILED", StateChangeReason: "Bytes scanned limit was exceeded" } },
    });
    const refused = await get(
      `/api/devices/test_fs-lake/telemetry?metric=cabinetTempC&from=${from}&to=${from + 60_000}&bucket=1m`,
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/shorter range/);
  });
});
