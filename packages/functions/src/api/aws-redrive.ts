import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { LambdaClient } from "@aws-sdk/client-lambda";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type Clock, systemClock } from "@fleetline/core/common";
import { stageNames } from "@fleetline/core/devices";
import { REDRIVE_ROUND_BUDGET_MS } from "@fleetline/core/pipeline";
import { Redrive } from "@fleetline/core/redrive";
import { validate } from "@fleetline/core/telemetry";
import { DynamoDbQuarantine } from "../adapters/dynamodb-quarantine.js";
import { KinesisStreamProducer } from "../adapters/kinesis-producer.js";
import { KinesisStreamReader } from "../adapters/kinesis-stream-reader.js";
import { LambdaFunctionInvoker } from "../adapters/lambda-function-invoker.js";
import { SqsDeadLetterQueue } from "../adapters/sqs-dead-letter-queue.js";

/** The settings the Api stack gives the redrive function. */
export const REDRIVE_SETTINGS = [
  "FLEETLINE_STAGE",
  "QUARANTINE_TABLE",
  "DEAD_LETTER_QUEUE_URL",
  "RULE_ERRORS_QUEUE_URL",
  "RAW_STREAM",
  /** The stage's functions a redrive may invoke, comma-separated. */
  "REDRIVE_FUNCTIONS",
  /** The confirm function's name: where a command-confirmation rule error is taken. */
  "CONFIRM_FUNCTION",
] as const;

export type RedriveSettings = Record<(typeof REDRIVE_SETTINGS)[number], string>;

export interface AwsRedriveClients {
  documents: DynamoDBDocumentClient;
  sqs: SQSClient;
  kinesis: KinesisClient;
  lambda: LambdaClient;
}

/**
 * `fleetline redrive` on a stage: core's use case over SQS, Kinesis, Lambda and the DynamoDB
 * quarantine — the only code of the stage allowed to invoke its functions
 * and write its raw stream from outside the pipeline.
 */
export function awsRedrive(
  clients: AwsRedriveClients,
  settings: RedriveSettings,
  clock: Clock = systemClock,
) {
  return new Redrive({
    deadLetters: new SqsDeadLetterQueue(clients.sqs, settings.DEAD_LETTER_QUEUE_URL),
    ruleErrors: new SqsDeadLetterQueue(clients.sqs, settings.RULE_ERRORS_QUEUE_URL),
    quarantine: new DynamoDbQuarantine(clients.documents, settings.QUARANTINE_TABLE),
    streams: new KinesisStreamReader(clients.kinesis),
    producer: new KinesisStreamProducer(clients.kinesis),
    rawStream: settings.RAW_STREAM,
    functions: new LambdaFunctionInvoker(clients.lambda, settings.REDRIVE_FUNCTIONS.split(",")),
    confirmFunction: settings.CONFIRM_FUNCTION,
    thingPrefix: stageNames(settings.FLEETLINE_STAGE).thingPrefix,
    validate,
    clock,
    roundBudgetMs: REDRIVE_ROUND_BUDGET_MS,
  });
}
