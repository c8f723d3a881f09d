import { Logger } from "@aws-lambda-powertools/logger";
import { IoTDataPlaneClient } from "@aws-sdk/client-iot-data-plane";
import { SNSClient } from "@aws-sdk/client-sns";
import { ALARM_SETTINGS, awsAlarmPorts } from "../api/aws-alarm-ports.js";
import { createSweepHandler } from "../handlers/sweep-handler.js";
import { counters, documents } from "./clients.js";
import { readConfig } from "./config.js";

const config = readConfig([...ALARM_SETTINGS, "IOT_DATA_ENDPOINT"]);
const dataPlane = new IoTDataPlaneClient({ endpoint: `https://${config.IOT_DATA_ENDPOINT}` });

/** The `sweep` Lambda on AWS, every minute (EventBridge): expires commands, finishes owed effects. */
export const handler = createSweepHandler(
  awsAlarmPorts({ documents, dataPlane, sns: new SNSClient({}) }, config, counters),
  new Logger({ serviceName: "sweep" }),
);
