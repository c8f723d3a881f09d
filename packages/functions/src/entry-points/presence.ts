import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDbPresenceStore } from "../adapters/dynamodb-presence-store.js";
import { createPresenceHandler } from "../handlers/presence-handler.js";
import { documents } from "./clients.js";
import { readConfig } from "./config.js";

const config = readConfig(["PRESENCE_TABLE"]);

/** The `presence` Lambda on AWS, invoked by the presence rule with each connect and disconnect. */
export const handler = createPresenceHandler(
  new DynamoDbPresenceStore(documents, config.PRESENCE_TABLE),
  new Logger({ serviceName: "presence" }),
);
