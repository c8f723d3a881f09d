import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { IoTClient } from "@aws-sdk/client-iot";
import type { IoTDataPlaneClient } from "@aws-sdk/client-iot-data-plane";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { LambdaClient } from "@aws-sdk/client-lambda";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { ApiContext } from "@fleetline/api";
import {
  type Clock,
  fleetlineError,
  Redrive,
  stageNames,
  systemClock,
  type TelemetryQuery,
  validate,
} from "@fleetline/core";
import { CloudWatchCounters } from "../adapters/cloudwatch-counters.js";
import { DynamoDbQuarantine } from "../adapters/dynamodb-quarantine.js";
import { IotDataRuleResubmitter } from "../adapters/iot-data-rule-resubmitter.js";
import { IotDataShadowGateway } from "../adapters/iot-data-shadow-gateway.js";
import { IotThingRegistry } from "../adapters/iot-thing-registry.js";
import { KinesisStreamProducer } from "../adapters/kinesis-producer.js";
import { KinesisStreamReader } from "../adapters/kinesis-stream-reader.js";
import { LambdaFunctionInvoker } from "../adapters/lambda-function-invoker.js";
import { SqsDeadLetterQueue } from "../adapters/sqs-dead-letter-queue.js";
import { awsAlarmPorts } from "./aws-alarm-ports.js";

/** The settings the Dashboard stack gives the API function. */
export const API_SETTINGS = [
  "FLEETLINE_STAGE",
  "FLEETLINE_VERSION",
  "AWS_REGION",
  "ALARMS_TABLE",
  "COMMANDS_TABLE",
  "QUARANTINE_TABLE",
  "DEAD_LETTER_QUEUE_URL",
  "RULE_ERRORS_QUEUE_URL",
  "RAW_STREAM",
  /** The stage's functions a redrive may invoke, comma-separated. */
  "REDRIVE_FUNCTIONS",
  "ALERTS_TOPIC_ARN",
  "IOT_DATA_ENDPOINT",
  "DEVICE_POLICY",
] as const;

export type ApiSettings = Record<(typeof API_SETTINGS)[number], string>;

/** A stage's API token; an empty or guessable one would leave the API open to anyone with its URL. */
export function checkedApiToken(token: string | undefined, secret = "API_TOKEN"): string {
  if (token === undefined || token.length < 16)
    throw fleetlineError(
      "CONFIG_INVALID",
      `the ${secret} secret must be at least 16 characters: npx sst secrets set ${secret} "$(openssl rand -hex 32)"`,
    );
  return token;
}

export interface AwsApiClients {
  documents: DynamoDBDocumentClient;
  /** The stage's telemetry query: the lake (Athena) or Timestream. */
  telemetry: TelemetryQuery;
  iot: IoTClient;
  dataPlane: IoTDataPlaneClient;
  sns: SNSClient;
  sqs: SQSClient;
  cloudWatch: CloudWatchClient;
  kinesis: KinesisClient;
  lambda: LambdaClient;
}

/**
 * How long a redrive round may go on starting items: the API function's timeout is 29 s (API
 * Gateway ends a request at 30 s), and a batch's invocation can take the rest.
 */
export const REDRIVE_ROUND_BUDGET_MS = 15_000;

/** The query API's ports on AWS: the same routes as locally, over the deployed services. */
export function awsApiContext(
  clients: AwsApiClients,
  settings: ApiSettings,
  clock: Clock = systemClock,
): ApiContext {
  const endpoint = settings.IOT_DATA_ENDPOINT;
  const counters = new CloudWatchCounters({
    stage: settings.FLEETLINE_STAGE,
    cloudWatch: clients.cloudWatch,
  });
  const quarantine = new DynamoDbQuarantine(clients.documents, settings.QUARANTINE_TABLE);
  const deadLetters = new SqsDeadLetterQueue(clients.sqs, settings.DEAD_LETTER_QUEUE_URL);
  const redrive = new Redrive({
    deadLetters,
    ruleErrors: new SqsDeadLetterQueue(clients.sqs, settings.RULE_ERRORS_QUEUE_URL),
    quarantine,
    streams: new KinesisStreamReader(clients.kinesis),
    producer: new KinesisStreamProducer(clients.kinesis),
    rawStream: settings.RAW_STREAM,
    functions: new LambdaFunctionInvoker(clients.lambda, settings.REDRIVE_FUNCTIONS.split(",")),
    rules: new IotDataRuleResubmitter(clients.dataPlane, stageNames(settings.FLEETLINE_STAGE).thingPrefix),
    validate,
    clock,
    roundBudgetMs: REDRIVE_ROUND_BUDGET_MS,
  });
  return {
    registry: new IotThingRegistry(clients.iot, {
      fleet: stageNames(settings.FLEETLINE_STAGE).fleet,
      thingPrefix: stageNames(settings.FLEETLINE_STAGE).thingPrefix,
      policyName: settings.DEVICE_POLICY,
    }),
    telemetry: clients.telemetry,
    quarantine,
    counters,
    deadLetters,
    redrive,
    alarms: awsAlarmPorts(clients, settings, counters, clock),
    clock,
    info: {
      version: settings.FLEETLINE_VERSION,
      mqttUrl: `mqtts://${endpoint}:8883`,
      mqttsUrl: `mqtts://${endpoint}:8883`,
      wsUrl: `wss://${endpoint}/mqtt`,
      kinesisEndpoint: `https://kinesis.${settings.AWS_REGION}.amazonaws.com`,
      dataPlaneEndpoint: `https://${endpoint}`,
    },
    shadows: new IotDataShadowGateway(clients.dataPlane),
    ready: () => true,
  };
}
