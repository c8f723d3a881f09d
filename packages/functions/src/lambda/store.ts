import { Logger } from "@aws-lambda-powertools/logger";
import { SQSClient } from "@aws-sdk/client-sqs";
import { TimestreamWriteClient } from "@aws-sdk/client-timestream-write";
import { DynamoDbQuarantine } from "../adapters/dynamodb-quarantine.js";
import { SqsDeadLetterQueue } from "../adapters/sqs-dead-letter-queue.js";
import { TimestreamTelemetryStore } from "../adapters/timestream-telemetry-store.js";
import { createStoreHandler } from "../store/store-handler.js";
import { counters, documents } from "./clients.js";
import { readConfig } from "./config.js";

const config = readConfig([
  "DEAD_LETTER_QUEUE_URL",
  "TIMESTREAM_DATABASE",
  "TIMESTREAM_TABLE",
  "QUARANTINE_TABLE",
]);

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
  new SqsDeadLetterQueue(new SQSClient({}), config.DEAD_LETTER_QUEUE_URL),
);
