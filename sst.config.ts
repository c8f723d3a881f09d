import type { SSTConfig } from "sst";
import { Alerts } from "./stacks/Alerts.js";
import { Devices } from "./stacks/Devices.js";
import { Ingest } from "./stacks/Ingest.js";
import { Storage } from "./stacks/Storage.js";

export default {
  config() {
    return { name: "fleetline", region: "eu-west-1" };
  },
  stacks(app) {
    app.setDefaultFunctionProps({
      runtime: "nodejs22.x",
      architecture: "arm_64",
      environment: {
        POWERTOOLS_SERVICE_NAME: "fleetline",
        POWERTOOLS_LOG_LEVEL: "INFO",
        NODE_OPTIONS: "--enable-source-maps",
      },
    });
    app.stack(Storage).stack(Ingest).stack(Alerts).stack(Devices);
  },
} satisfies SSTConfig;
