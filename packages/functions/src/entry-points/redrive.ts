import { Logger } from "@aws-lambda-powertools/logger";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { SQSClient } from "@aws-sdk/client-sqs";
import { ApiApp, apiGatewayHandler, authorizerRole, redriveRoutes } from "@fleetline/api";
import { awsRedrive, REDRIVE_SETTINGS } from "../api/aws-redrive.js";
import { readConfig } from "./config.js";
import { documents } from "./documents.js";

const settings = readConfig(REDRIVE_SETTINGS);
const logger = new Logger({ serviceName: "redrive" });
const redrive = awsRedrive(
  {
    documents,
    sqs: new SQSClient({}),
    kinesis: new KinesisClient({}),
    lambda: new LambdaClient({}),
  },
  settings,
);
// The token was checked by the API's authorizer: the caller's role comes with the event.
const app = new ApiApp({
  roleOf: authorizerRole,
  onError: (error, request) => logger.error("redrive round failed", { ...request, error: error as Error }),
});
redriveRoutes(app, redrive);

/**
 * `POST /api/redrive/*` on AWS (docs/reference/api.md), routed here by API Gateway: a function of its
 * own, so that only it holds the rights to invoke the stage's functions and write its raw stream.
 */
export const handler = apiGatewayHandler(app);
