import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { IoTClient } from "@aws-sdk/client-iot";
import type { IoTDataPlaneClient } from "@aws-sdk/client-iot-data-plane";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { ApiContext } from "@fleetline/api";
import { type Clock, systemClock } from "@fleetline/core/common";
import { stageNames } from "@fleetline/core/devices";
import type { TelemetryQuery } from "@fleetline/core/telemetry";
import { CloudWatchCounters } from "../adapters/cloudwatch-counters.js";
import { DynamoDbPresenceStore } from "../adapters/dynamodb-presence-store.js";
import { DynamoDbQuarantine } from "../adapters/dynamodb-quarantine.js";
import { IotDataShadowGateway } from "../adapters/iot-data-shadow-gateway.js";
import { IotJobsReader } from "../adapters/iot-jobs-reader.js";
import { IotThingRegistry } from "../adapters/iot-thing-registry.js";
import { SqsDeadLetterQueue } from "../adapters/sqs-dead-letter-queue.js";
import { awsAlarmPorts } from "./aws-alarm-ports.js";

/** The settings the Api stack gives the API function. */
export const API_SETTINGS = [
  "FLEETLINE_STAGE",
  "FLEETLINE_VERSION",
  "AWS_REGION",
  "ALARMS_TABLE",
  "COMMANDS_TABLE",
  "QUARANTINE_TABLE",
  "PRESENCE_TABLE",
  "DEAD_LETTER_QUEUE_URL",
  "ALERTS_TOPIC_ARN",
  "IOT_DATA_ENDPOINT",
  "DEVICE_POLICY",
] as const;

export type ApiSettings = Record<(typeof API_SETTINGS)[number], string>;

export interface AwsApiClients {
  documents: DynamoDBDocumentClient;
  /** The stage's telemetry query: the lake (Athena) or Timestream. */
  telemetry: TelemetryQuery;
  iot: IoTClient;
  dataPlane: IoTDataPlaneClient;
  sns: SNSClient;
  sqs: SQSClient;
  cloudWatch: CloudWatchClient;
}

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
  return {
    registry: new IotThingRegistry(clients.iot, {
      fleet: stageNames(settings.FLEETLINE_STAGE).fleet,
      thingPrefix: stageNames(settings.FLEETLINE_STAGE).thingPrefix,
      policyName: settings.DEVICE_POLICY,
    }),
    telemetry: clients.telemetry,
    quarantine: new DynamoDbQuarantine(clients.documents, settings.QUARANTINE_TABLE),
    counters,
    deadLetters: new SqsDeadLetterQueue(clients.sqs, settings.DEAD_LETTER_QUEUE_URL),
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
    presence: new DynamoDbPresenceStore(clients.documents, settings.PRESENCE_TABLE),
    // The stage's jobs: `fleetline jobs create --stage` names them with its prefix, as its things.
    jobs: new IotJobsReader(clients.iot, { prefix: stageNames(settings.FLEETLINE_STAGE).thingPrefix }),
    ready: () => true,
  };
}
