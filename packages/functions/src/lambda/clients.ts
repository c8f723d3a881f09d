import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { CloudWatchCounters } from "../adapters/cloudwatch-counters.js";
import { readConfig } from "./config.js";

/** Clients shared by the Lambda entry points, built once per container. */
export const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
export const counters = new CloudWatchCounters({ stage: readConfig(["FLEETLINE_STAGE"]).FLEETLINE_STAGE });
