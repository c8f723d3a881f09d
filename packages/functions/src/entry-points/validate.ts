import { Logger } from "@aws-lambda-powertools/logger";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDbQuarantine } from "../adapters/dynamodb-quarantine.js";
import { KinesisStreamProducer } from "../adapters/kinesis-producer.js";
import { SqsDeadLetterQueue } from "../adapters/sqs-dead-letter-queue.js";
import { createValidateHandler } from "../handlers/validate-handler.js";
import { counters, documents } from "./clients.js";
import { readConfig } from "./config.js";

const config = readConfig(["DEAD_LETTER_QUEUE_URL", "VALIDATED_STREAM", "QUARANTINE_TABLE"]);

/** The `validate` Lambda on AWS: fleetline-raw → fleetline-validated, or the DynamoDB quarantine. */
export const handler = createValidateHandler(
  {
    producer: new KinesisStreamProducer(new KinesisClient({})),
    quarantine: new DynamoDbQuarantine(documents, config.QUARANTINE_TABLE),
    counters,
    validatedStream: config.VALIDATED_STREAM,
  },
  new Logger({ serviceName: "validate" }),
  new SqsDeadLetterQueue(new SQSClient({}), config.DEAD_LETTER_QUEUE_URL),
);
