import { Logger } from "@aws-lambda-powertools/logger";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { IoTClient } from "@aws-sdk/client-iot";
import { IoTDataPlaneClient } from "@aws-sdk/client-iot-data-plane";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { apiGatewayHandler, queryApiRoutes } from "@fleetline/api";
import { Config } from "sst/node/config";
import { API_SETTINGS, awsApiContext, checkedApiToken } from "../api/aws-api-context.js";
import { documents } from "./clients.js";
import { readConfig } from "./config.js";
import { awsTelemetryQuery } from "./telemetry.js";

const settings = readConfig(API_SETTINGS);
const logger = new Logger({ serviceName: "api" });
// The stage's tokens, secrets set with `npx sst secrets set …` and bound by the stack: the operator's
// API_TOKEN may do anything, API_VIEWER_TOKEN only read.
const secrets = Config as unknown as Record<string, string | undefined>;
const apiToken = checkedApiToken(secrets.API_TOKEN, "API_TOKEN");
const viewerToken = checkedApiToken(secrets.API_VIEWER_TOKEN, "API_VIEWER_TOKEN");

/** The query API on AWS: API Gateway (HTTP API, payload 2.0) → the routes of docs/contract.md §4. */
export const handler = apiGatewayHandler(
  queryApiRoutes(
    awsApiContext(
      {
        documents,
        telemetry: awsTelemetryQuery(documents),
        iot: new IoTClient({}),
        dataPlane: new IoTDataPlaneClient({ endpoint: `https://${settings.IOT_DATA_ENDPOINT}` }),
        sns: new SNSClient({}),
        sqs: new SQSClient({}),
        cloudWatch: new CloudWatchClient({}),
        kinesis: new KinesisClient({}),
        lambda: new LambdaClient({}),
      },
      settings,
    ),
  ),
  {
    apiToken,
    viewerToken,
    onError: (error, request) => logger.error("request failed", { ...request, error: error as Error }),
  },
);
