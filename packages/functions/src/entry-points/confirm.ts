import { Logger } from "@aws-lambda-powertools/logger";
import { systemClock } from "@fleetline/core/common";
import { DynamoDbCommandLedger } from "../adapters/dynamodb-command-ledger.js";
import { createConfirmHandler } from "../handlers/confirm-handler.js";
import { counters, documents } from "./clients.js";
import { readConfig } from "./config.js";

const config = readConfig(["COMMANDS_TABLE"]);

/** The `confirm` Lambda on AWS, invoked by the command-confirmation rule with each shadow document. */
export const handler = createConfirmHandler(
  { ledger: new DynamoDbCommandLedger(documents, config.COMMANDS_TABLE), counters, clock: systemClock },
  new Logger({ serviceName: "confirm" }),
);
