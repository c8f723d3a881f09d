import { AthenaClient } from "@aws-sdk/client-athena";
import { FirehoseClient } from "@aws-sdk/client-firehose";
import { TimestreamQueryClient } from "@aws-sdk/client-timestream-query";
import { TimestreamWriteClient } from "@aws-sdk/client-timestream-write";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type TelemetryQuery, type TelemetryStore, telemetryTarget } from "@fleetline/core/telemetry";
import { AthenaSqlEngine } from "../adapters/athena-sql-engine.js";
import { DynamoDbLatestTelemetry } from "../adapters/dynamodb-latest-telemetry.js";
import { FirehoseLakeSink } from "../adapters/firehose-lake-sink.js";
import { LakeTelemetryQuery } from "../adapters/lake-telemetry-query.js";
import { LakeTelemetryStore } from "../adapters/lake-telemetry-store.js";
import { TimestreamTelemetryQuery } from "../adapters/timestream-telemetry-query.js";
import { TimestreamTelemetryStore } from "../adapters/timestream-telemetry-store.js";
import { readConfig } from "./config.js";

/** The telemetry store of the stage's target (FLEETLINE_TELEMETRY), from its settings. */
export function awsTelemetryStore(documents: DynamoDBDocumentClient, env = process.env): TelemetryStore {
  if (telemetryTarget(env.FLEETLINE_TELEMETRY) === "timestream") {
    const config = readConfig(["TIMESTREAM_DATABASE", "TIMESTREAM_TABLE"], env);
    return new TimestreamTelemetryStore(new TimestreamWriteClient({}), {
      database: config.TIMESTREAM_DATABASE,
      table: config.TIMESTREAM_TABLE,
    });
  }
  const config = readConfig(["DELIVERY_STREAM", "LATEST_TABLE"], env);
  return new LakeTelemetryStore(
    new FirehoseLakeSink(new FirehoseClient({}), config.DELIVERY_STREAM),
    new DynamoDbLatestTelemetry(documents, config.LATEST_TABLE),
  );
}

/** The query side of the stage's target, from its settings. */
export function awsTelemetryQuery(documents: DynamoDBDocumentClient, env = process.env): TelemetryQuery {
  if (telemetryTarget(env.FLEETLINE_TELEMETRY) === "timestream") {
    const config = readConfig(["TIMESTREAM_DATABASE", "TIMESTREAM_TABLE"], env);
    return new TimestreamTelemetryQuery(
      new TimestreamQueryClient({}),
      config.TIMESTREAM_DATABASE,
      config.TIMESTREAM_TABLE,
    );
  }
  const config = readConfig(["ATHENA_WORKGROUP", "LAKE_DATABASE", "LAKE_TABLE", "LATEST_TABLE"], env);
  return new LakeTelemetryQuery(
    new AthenaSqlEngine(new AthenaClient({}), {
      workGroup: config.ATHENA_WORKGROUP,
      database: config.LAKE_DATABASE,
    }),
    { database: config.LAKE_DATABASE, table: config.LAKE_TABLE },
    new DynamoDbLatestTelemetry(documents, config.LATEST_TABLE),
  );
}
