import { Logger } from "@aws-lambda-powertools/logger";
import { stageNames } from "@fleetline/core/devices";
import { createProvisioningHookHandler } from "../handlers/provisioning-hook-handler.js";
import { readConfig } from "./config.js";

const config = readConfig(["FLEETLINE_STAGE"]);

/** The fleet template's pre-provisioning hook on AWS: a device may register only this stage's things. */
export const handler = createProvisioningHookHandler(
  { thingPrefix: stageNames(config.FLEETLINE_STAGE).thingPrefix },
  new Logger({ serviceName: "provisioningHook" }),
);
