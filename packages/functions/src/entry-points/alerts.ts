import { Logger } from "@aws-lambda-powertools/logger";
import { IoTDataPlaneClient } from "@aws-sdk/client-iot-data-plane";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SqsDeadLetterQueue } from "../adapters/sqs-dead-letter-queue.js";
import { ALARM_SETTINGS, awsAlarmPorts } from "../api/aws-alarm-ports.js";
import { createAlertsHandler } from "../handlers/alerts-handler.js";
import { counters, documents } from "./clients.js";
import { readConfig } from "./config.js";

const config = readConfig([...ALARM_SETTINGS, "IOT_DATA_ENDPOINT", "DEAD_LETTER_QUEUE_URL"]);
const dataPlane = new IoTDataPlaneClient({ endpoint: `https://${config.IOT_DATA_ENDPOINT}` });

/** The `alerts` Lambda on AWS: alarms in DynamoDB, alerts over MQTT and SNS, commands through shadows. */
export const handler = createAlertsHandler(
  awsAlarmPorts({ documents, dataPlane, sns: new SNSClient({}) }, config, counters),
  new Logger({ serviceName: "alerts" }),
  new SqsDeadLetterQueue(new SQSClient({}), config.DEAD_LETTER_QUEUE_URL),
);
