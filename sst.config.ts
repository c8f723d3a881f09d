import { FUNCTION_ESBUILD } from "@fleetline/functions/bundling";
import type { SSTConfig } from "sst";
import { Alerts } from "./stacks/Alerts.js";
import { Api } from "./stacks/Api.js";
import { Devices } from "./stacks/Devices.js";
import { Ingest } from "./stacks/Ingest.js";
import { appRegion, settingsOf } from "./stacks/lib/settings.js";
import { Provisioning } from "./stacks/Provisioning.js";
import { Storage } from "./stacks/Storage.js";
import { Web } from "./stacks/Web.js";

export default {
  // One region for the whole recipe: `--region`, else AWS_REGION, else eu-west-1 (stacks/lib/settings.ts).
  config(input) {
    return { name: "fleetline", region: appRegion(input.region) };
  },
  stacks(app) {
    // Every setting is checked before any stack is built.
    settingsOf(app);
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
    app.stack(Storage).stack(Ingest).stack(Alerts).stack(Devices).stack(Provisioning).stack(Api).stack(Web);
  },
} satisfies SSTConfig;
