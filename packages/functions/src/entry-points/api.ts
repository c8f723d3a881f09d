import { Logger } from "@aws-lambda-powertools/logger";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { IoTClient } from "@aws-sdk/client-iot";
import { IoTDataPlaneClient } from "@aws-sdk/client-iot-data-plane";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { apiGatewayHandler, authorizerRole, queryApiRoutes } from "@fleetline/api";
import { API_SETTINGS, awsApiContext } from "../api/aws-api-context.js";
import { readConfig } from "./config.js";
import { documents } from "./documents.js";
import { awsTelemetryQuery } from "./telemetry.js";

const settings = readConfig(API_SETTINGS);
const logger = new Logger({ serviceName: "api" });

/**
 * The query API on AWS: API Gateway (HTTP API, payload 2.0) → the routes of docs/reference/api.md,
 * but the redrive's, which the redrive function serves.
 */
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
      },
      settings,
    ),
    {
      // The token was checked by the API's authorizer: the caller's role comes with the event.
      roleOf: authorizerRole,
      onError: (error, request) => logger.error("request failed", { ...request, error: error as Error }),
    },
  ),
);
