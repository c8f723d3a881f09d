import { randomUUID } from "node:crypto";
import type { IoTDataPlaneClient } from "@aws-sdk/client-iot-data-plane";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { AlarmPorts } from "@fleetline/core/alarms";
import { type Clock, systemClock } from "@fleetline/core/common";
import type { Counters } from "@fleetline/core/pipeline";
import { DynamoDbAlertStore } from "../adapters/dynamodb-alert-store.js";
import { DynamoDbCommandLedger } from "../adapters/dynamodb-command-ledger.js";
import { IotDataAlertPublisher } from "../adapters/iot-alert-publisher.js";
import { IotDataShadowGateway } from "../adapters/iot-data-shadow-gateway.js";
import { SnsAlertPublisher } from "../adapters/sns-alert-publisher.js";

export const ALARM_SETTINGS = ["ALARMS_TABLE", "COMMANDS_TABLE", "ALERTS_TOPIC_ARN"] as const;

/**
 * The alarm ports on AWS, for the alerts, sweep and API functions alike: DynamoDB for alarms and
 * commands, AWS IoT shadows, and two alert channels — `mqtt` (devices and dashboards, through the
 * IoT Data Plane) and `sns` (operators).
 */
export function awsAlarmPorts(
  clients: { documents: DynamoDBDocumentClient; dataPlane: IoTDataPlaneClient; sns: SNSClient },
  settings: Record<(typeof ALARM_SETTINGS)[number], string>,
  counters: Counters,
  clock: Clock = systemClock,
): AlarmPorts {
  return {
    alerts: new DynamoDbAlertStore(clients.documents, settings.ALARMS_TABLE),
    ledger: new DynamoDbCommandLedger(clients.documents, settings.COMMANDS_TABLE),
    shadows: new IotDataShadowGateway(clients.dataPlane),
    publishers: {
      mqtt: new IotDataAlertPublisher(clients.dataPlane),
      sns: new SnsAlertPublisher(clients.sns, settings.ALERTS_TOPIC_ARN),
    },
    counters,
    clock,
    newId: randomUUID,
  };
}
