import { Metrics } from "@aws-lambda-powertools/metrics";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { CloudWatchCounters } from "../adapters/cloudwatch-counters.js";

/** Clients shared by the Lambda entry points, built once per container. */
export const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
export const metrics = new Metrics({ namespace: "Fleetline" });
export const counters = new CloudWatchCounters(metrics);
