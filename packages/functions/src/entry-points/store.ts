import { Logger } from "@aws-lambda-powertools/logger";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDbQuarantine } from "../adapters/dynamodb-quarantine.js";
import { SqsDeadLetterQueue } from "../adapters/sqs-dead-letter-queue.js";
import { createStoreHandler } from "../handlers/store-handler.js";
import { counters, documents } from "./clients.js";
import { readConfig } from "./config.js";
import { awsTelemetryStore } from "./telemetry.js";

const config = readConfig(["DEAD_LETTER_QUEUE_URL", "QUARANTINE_TABLE"]);

/** The `store` Lambda on AWS: fleetline-validated → the telemetry lake (or Timestream). */
export const handler = createStoreHandler(
  {
    store: awsTelemetryStore(documents),
    quarantine: new DynamoDbQuarantine(documents, config.QUARANTINE_TABLE),
    counters,
  },
  new Logger({ serviceName: "store" }),
  new SqsDeadLetterQueue(new SQSClient({}), config.DEAD_LETTER_QUEUE_URL),
);
