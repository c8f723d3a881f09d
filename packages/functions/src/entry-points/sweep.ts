import { Logger } from "@aws-lambda-powertools/logger";
import { IoTDataPlaneClient } from "@aws-sdk/client-iot-data-plane";
import { SNSClient } from "@aws-sdk/client-sns";
import { DynamoDbPresenceStore } from "../adapters/dynamodb-presence-store.js";
import { ALARM_SETTINGS, awsAlarmPorts } from "../api/aws-alarm-ports.js";
import { createSweepHandler } from "../handlers/sweep-handler.js";
import { counters, documents } from "./clients.js";
import { readConfig } from "./config.js";

const config = readConfig([...ALARM_SETTINGS, "IOT_DATA_ENDPOINT", "PRESENCE_TABLE"]);
const dataPlane = new IoTDataPlaneClient({ endpoint: `https://${config.IOT_DATA_ENDPOINT}` });

/**
 * The `sweep` Lambda on AWS, every minute (EventBridge): expires commands, finishes owed effects,
 * and raises or clears OFFLINE alarms from the devices' presence.
 */
export const handler = createSweepHandler(
  {
    ...awsAlarmPorts({ documents, dataPlane, sns: new SNSClient({}) }, config, counters),
    presence: new DynamoDbPresenceStore(documents, config.PRESENCE_TABLE),
  },
  new Logger({ serviceName: "sweep" }),
);
