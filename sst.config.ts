import { isStageName, STAGE_NAME_RULE } from "@fleetline/core";
import { FUNCTION_ESBUILD } from "@fleetline/functions/bundling";
import type { SSTConfig } from "sst";
import { Alerts } from "./stacks/Alerts.js";
import { Dashboard } from "./stacks/Dashboard.js";
import { Devices } from "./stacks/Devices.js";
import { Ingest } from "./stacks/Ingest.js";
import { Storage } from "./stacks/Storage.js";

export default {
  config() {
    return { name: "fleetline", region: "eu-west-1" };
  },
  stacks(app) {
    // The stage names streams, tables, queues, the Timestream database and the IoT rule.
    if (!isStageName(app.stage))
      throw new Error(`stage "${app.stage}" cannot name AWS resources: use ${STAGE_NAME_RULE}`);
    app.setDefaultFunctionProps({
      runtime: "nodejs22.x",
      architecture: "arm_64",
      // Minified, zod without its other languages: each stream function's bundle stays under 1 MB.
      nodejs: { minify: FUNCTION_ESBUILD.minify, esbuild: { plugins: FUNCTION_ESBUILD.plugins } },
      environment: {
        FLEETLINE_STAGE: app.stage,
        POWERTOOLS_SERVICE_NAME: "fleetline",
        POWERTOOLS_LOG_LEVEL: "INFO",
        NODE_OPTIONS: "--enable-source-maps",
      },
    });
    app.stack(Storage).stack(Ingest).stack(Alerts).stack(Devices).stack(Dashboard);
  },
} satisfies SSTConfig;
