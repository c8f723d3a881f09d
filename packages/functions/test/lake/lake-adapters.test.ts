import { mkdtemp, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { FirehoseClient, PutRecordBatchCommand } from "@aws-sdk/client-firehose";
import { DuckDBInstance } from "@duckdb/node-api";
import { freestyleRecord } from "@fleetline/core/contract";
import { LAKE_COLUMNS, lakeRow } from "@fleetline/core/telemetry";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { AthenaSqlEngine } from "../../src/adapters/athena-sql-engine.js";
import { FirehoseLakeSink } from "../../src/adapters/firehose-lake-sink.js";
import { duckDbLake } from "./duckdb-lake.js";

const athena = mockClient(AthenaClient);
const firehose = mockClient(FirehoseClient);
afterEach(() => {
  athena.reset();
  firehose.reset();
});

describe("the lake's layout", () => {
  it("is Parquet under telemetry/day=…/type=…/, with the Glue table's columns", async () => {
    const dir = await mkdtemp(join(process.cwd(), ".tmp", "lake-layout-"));
    const lake = await duckDbLake(dir);
    try {
      const day1 = freestyleRecord("fs-layout", 1);
      const day2 = freestyleRecord("fs-layout", 2, { ts: day1.ts + 86_400_000 });
      await lake.sink.put([lakeRow(day1), lakeRow(day2)]);
      const files = (await readdir(join(dir, "telemetry"), { recursive: true }))
        .map(String)
        .filter((f) => f.endsWith(".parquet"));
      expect(files.map((f) => f.replace(/[^/]+\.parquet$/, "")).sort()).toEqual([
        "day=2025-11-28/type=freestyle/",
        "day=2025-11-29/type=freestyle/",
      ]);
      const duck = await (await DuckDBInstance.create(":memory:")).connect();
      const schema = await duck.runAndReadAll(
        `SELECT name FROM parquet_schema('${join(dir, "telemetry", files[0] as string)}') WHERE name <> 'duckdb_schema'`,
      );
      const names = schema.getRowObjectsJson().map((r) => r.name);
      for (const column of LAKE_COLUMNS) expect(names).toContain(column.name);
      duck.closeSync();
    } finally {
      lake.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("FirehoseLakeSink", () => {
  it("sends at most 500 records a request, one JSON line each", async () => {
    const sizes: number[] = [];
    firehose.on(PutRecordBatchCommand).callsFake((input: { Records: Array<{ Data: Uint8Array }> }) => {
      sizes.push(input.Records.length);
      expect(new TextDecoder().decode(input.Records[0]?.Data).endsWith("}\n")).toBe(true);
      return { FailedPutCount: 0, RequestResponses: input.Records.map(() => ({ RecordId: "r" })) };
    });
    const rows = Array.from({ length: 1201 }, (_, i) => lakeRow(freestyleRecord("fs-hose", i)));
    await new FirehoseLakeSink(new FirehoseClient({ region: "eu-west-1" }), "test-telemetry").put(rows);
    expect(sizes).toEqual([500, 500, 201]);
  });

  it("sends what Firehose refused again, and fails transiently when it keeps refusing", async () => {
    const sent: number[] = [];
    firehose.on(PutRecordBatchCommand).callsFake((input: { Records: unknown[] }) => {
      sent.push(input.Records.length);
      return {
        FailedPutCount: 1,
        RequestResponses: input.Records.map((_, i) =>
          i === 0
            ? { ErrorCode: "ServiceUnavailableException", ErrorMessage: "Slow down." }
            : { RecordId: "r" },
        ),
      };
    });
    const sink = new FirehoseLakeSink(new FirehoseClient({ region: "eu-west-1" }), "test-telemetry", {
      attempts: 3,
      baseDelayMs: 1,
    });
    const rows = [1, 2, 3].map((i) => lakeRow(freestyleRecord("fs-hose", i)));
    await expect(sink.put(rows)).rejects.toMatchObject({
      code: "THROTTLED",
      message: expect.stringContaining("ServiceUnavailableException"),
    });
    expect(sent).toEqual([3, 1, 1]);
  });
});

describe("AthenaSqlEngine", () => {
  const engine = () =>
    new AthenaSqlEngine(new AthenaClient({ region: "eu-west-1" }), {
      workGroup: "test-fleetline",
      database: "test_fleetline",
      pollMs: 1,
    });

  it("runs in the stage's workgroup, waits for the query and reads every page, without the header row", async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-1" });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: "QUEUED" } } })
      .resolvesOnce({ QueryExecution: { Status: { State: "RUNNING" } } })
      .resolves({ QueryExecution: { Status: { State: "SUCCEEDED" } } });
    const meta = {
      ColumnInfo: [
        { Name: "t", Type: "bigint" },
        { Name: "avg", Type: "double" },
      ],
    };
    athena
      .on(GetQueryResultsCommand)
      .resolvesOnce({
        ResultSet: {
          ResultSetMetadata: meta,
          Rows: [
            { Data: [{ VarCharValue: "t" }, { VarCharValue: "avg" }] },
            { Data: [{ VarCharValue: "1000" }, { VarCharValue: "4.5" }] },
          ],
        },
        NextToken: "page-2",
      })
      .resolvesOnce({
        ResultSet: { ResultSetMetadata: meta, Rows: [{ Data: [{ VarCharValue: "2000" }, {}] }] },
      });
    expect(await engine().rows("SELECT 1")).toEqual([
      { t: "1000", avg: "4.5" },
      { t: "2000", avg: null },
    ]);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input).toMatchObject({
      WorkGroup: "test-fleetline",
      QueryExecutionContext: { Database: "test_fleetline" },
    });
    expect(athena.commandCalls(GetQueryResultsCommand)[1]?.args[0].input.NextToken).toBe("page-2");
  });

  it("answers a failed query as the store being unavailable, and the scan cutoff as a request to narrow", async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-2" });
    athena.on(GetQueryExecutionCommand).resolvesOnce({
      QueryExecution: { Status: { State: "FAILED", StateChangeReason: "HIVE_CURSOR_ERROR: bad file" } },
    });
    await expect(engine().rows("SELECT 1")).rejects.toMatchObject({
      code: "STORE_UNAVAILABLE",
      message: expect.stringContaining("HIVE_CURSOR_ERROR"),
    });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        Status: { State: "FAILED", StateChangeReason: "Query cancelled: bytes scanned limit was exceeded" },
      },
    });
    await expect(engine().rows("SELECT 1")).rejects.toMatchObject({ code: "REQUEST_INVALID" });
    athena.on(StartQueryExecutionCommand).rejects(new Error("AccessDeniedException"));
    await expect(engine().rows("SELECT 1")).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
  });
});
