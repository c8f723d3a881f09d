import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { App, getStack, type App as SstApp } from "sst/constructs";
import { initProject } from "sst/project.js";
import config from "../../sst.config.js";
import { Alerts } from "../Alerts.js";
import { Dashboard } from "../Dashboard.js";
import { Devices } from "../Devices.js";
import { Ingest } from "../Ingest.js";
import { Storage } from "../Storage.js";

// Synthesis offline: no AWS credentials, nothing written outside the repository.
process.env.SST_TELEMETRY_DISABLED = "1";
process.env.TMPDIR = join(process.cwd(), ".tmp", "sst");
mkdirSync(process.env.TMPDIR, { recursive: true });
// The dashboard site is built with npm during synthesis: its log stays here too.
process.env.npm_config_logs_dir = join(process.cwd(), ".tmp", "npm-logs");

/** The app synthesized offline for `stage`, as `sst deploy` would. */
export async function synth(stage: string): Promise<SstApp> {
  await initProject({ stage });
  const app = new App({ mode: "deploy", stage, name: "fleetline", region: "eu-west-1" });
  config.stacks(app);
  await app.finish();
  return app;
}

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are asserted field by field.
export type Props = Record<string, any>;
export type Resources = Record<string, { Type: string; Properties: Props }>;

/** Every stack's template of a fresh synthesis of `stage`. */
export async function templatesOf(stage: string): Promise<Record<string, Template>> {
  await synth(stage);
  return Object.fromEntries(
    [Storage, Ingest, Alerts, Devices, Dashboard].map((stack) => [
      stack.name,
      Template.fromStack(getStack(stack)),
    ]),
  );
}

/** The properties of every resource of a type, across the stacks. */
export const resourcesOf = (type: string, from: Record<string, Template>): Props[] =>
  Object.values(from).flatMap((t) =>
    Object.values(t.findResources(type) as Resources).map((r) => r.Properties),
  );
