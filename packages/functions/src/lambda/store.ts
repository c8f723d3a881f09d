import { Logger } from "@aws-lambda-powertools/logger";
import { TimestreamWriteClient } from "@aws-sdk/client-timestream-write";
import { DynamoDbQuarantine } from "../adapters/dynamodb-quarantine.js";
import { TimestreamTelemetryStore } from "../adapters/timestream-telemetry-store.js";
import { createStoreHandler } from "../store/store-handler.js";
import { counters, documents } from "./clients.js";
import { readConfig } from "./config.js";

const config = readConfig(["TIMESTREAM_DATABASE", "TIMESTREAM_TABLE", "QUARANTINE_TABLE"]);

/** The `store` Lambda on AWS: fleetline-validated → Timestream. */
export const handler = createStoreHandler(
  {
    store: new TimestreamTelemetryStore(new TimestreamWriteClient({}), {
      database: config.TIMESTREAM_DATABASE,
      table: config.TIMESTREAM_TABLE,
    }),
    quarantine: new DynamoDbQuarantine(documents, config.QUARANTINE_TABLE),
    counters,
  },
  new Logger({ serviceName: "store" }),
);
