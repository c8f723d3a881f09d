import { randomUUID } from "node:crypto";
import { Logger } from "@aws-lambda-powertools/logger";
import { IoTDataPlaneClient } from "@aws-sdk/client-iot-data-plane";
import { SNSClient } from "@aws-sdk/client-sns";
import { systemClock } from "@fleetline/core";
import { DynamoDbAlertStore } from "../adapters/dynamodb-alert-store.js";
import { DynamoDbCommandLedger } from "../adapters/dynamodb-command-ledger.js";
import { IotDataAlertPublisher } from "../adapters/iot-alert-publisher.js";
import { IotDataShadowGateway } from "../adapters/iot-data-shadow-gateway.js";
import { FanOutAlertPublisher, SnsAlertPublisher } from "../adapters/sns-alert-publisher.js";
import { createAlertsHandler } from "../alerts/alerts-handler.js";
import { counters, documents } from "./clients.js";
import { readConfig } from "./config.js";

const config = readConfig(["ALARMS_TABLE", "COMMANDS_TABLE", "ALERTS_TOPIC_ARN", "IOT_DATA_ENDPOINT"]);
const dataPlane = new IoTDataPlaneClient({ endpoint: `https://${config.IOT_DATA_ENDPOINT}` });

/** The `alerts` Lambda on AWS: alarms in DynamoDB, alerts over MQTT and SNS, commands through shadows. */
export const handler = createAlertsHandler(
  {
    alerts: new DynamoDbAlertStore(documents, config.ALARMS_TABLE),
    ledger: new DynamoDbCommandLedger(documents, config.COMMANDS_TABLE),
    publisher: new FanOutAlertPublisher([
      new IotDataAlertPublisher(dataPlane),
      new SnsAlertPublisher(new SNSClient({}), config.ALERTS_TOPIC_ARN),
    ]),
    shadows: new IotDataShadowGateway(dataPlane),
    counters,
    clock: systemClock,
    newId: randomUUID,
  },
  new Logger({ serviceName: "alerts" }),
);
