import { Logger } from "@aws-lambda-powertools/logger";
import { IoTClient } from "@aws-sdk/client-iot";
import { stageNames } from "@fleetline/core/devices";
import { DynamoDbPresenceStore } from "../adapters/dynamodb-presence-store.js";
import { IotThingRegistry } from "../adapters/iot-thing-registry.js";
import { createPresenceHandler } from "../handlers/presence-handler.js";
import { documents } from "./clients.js";
import { readConfig } from "./config.js";

const config = readConfig(["PRESENCE_TABLE", "FLEETLINE_STAGE"]);
const { fleet, thingPrefix } = stageNames(config.FLEETLINE_STAGE);
// Only its reads: a thing's type (its attributes), once, when its presence is first kept.
const registry = new IotThingRegistry(new IoTClient({}), { fleet, thingPrefix, policyName: "" });

/** The `presence` Lambda on AWS, invoked by the presence rule with each connect and disconnect. */
export const handler = createPresenceHandler(
  {
    store: new DynamoDbPresenceStore(documents, config.PRESENCE_TABLE),
    typeOf: async (thing) => (await registry.get(thing))?.type,
  },
  new Logger({ serviceName: "presence" }),
);
