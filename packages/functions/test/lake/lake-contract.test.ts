import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { describeTelemetryStoreContract } from "@fleetline/core/contract";
import { afterAll, expect } from "vitest";
import { DynamoDbLatestTelemetry } from "../../src/adapters/dynamodb-latest-telemetry.js";
import { LakeTelemetryQuery } from "../../src/adapters/lake-telemetry-query.js";
import { LakeTelemetryStore } from "../../src/adapters/lake-telemetry-store.js";
import { fakeDynamoDb } from "../fake-dynamodb.js";
import { duckDbLake } from "./duckdb-lake.js";

// The contract suite the DuckDB and Timestream stores pass, against the lake: rows written as
// Parquet files in Firehose's layout, the Athena adapter's SQL run over them in DuckDB, the newest
// records in (mocked) DynamoDB.
const dynamo = fakeDynamoDb();
afterAll(() => dynamo.restore());

describeTelemetryStoreContract(
  "LakeTelemetryStore + LakeTelemetryQuery (Parquet in DuckDB, DynamoDB mocked)",
  async () => {
    dynamo.reset();
    dynamo.calls.length = 0;
    const dir = await mkdtemp(join(process.cwd(), ".tmp", "lake-"));
    const lake = await duckDbLake(dir);
    const latest = new DynamoDbLatestTelemetry(dynamo.documents, "latest");
    return {
      store: new LakeTelemetryStore(lake.sink, latest),
      query: new LakeTelemetryQuery(lake.engine, { database: "fleetline", table: "telemetry" }, latest),
      close: async () => {
        expect(dynamo.calls).not.toContain("Scan");
        lake.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
  { countsReplays: false },
);
