import { isAwsRegion, isStageName, STAGE_NAME_RULE, stageRegion } from "@fleetline/core/devices";
import { type TelemetryTarget, telemetryTarget } from "@fleetline/core/telemetry";
import { VisibleError } from "sst/error.js";

/** What the app reads from the environment when SST builds it: read once, each value checked. */
export interface AppSettings {
  readonly telemetry: TelemetryTarget;
  /** Where the alerts topic sends e-mail, if anywhere. */
  readonly alertEmail: string | undefined;
}

/**
 * A setting SST cannot build stops `sst build`, `sst deploy` and `sst dev` here, in one line that
 * names it: SST prints a VisibleError's message alone, any other error with its stack.
 */
const refuse = (message: string): never => {
  throw new VisibleError(message);
};

/** The app's region: `sst … --region R`, else AWS_REGION, else core's DEFAULT_AWS_REGION. */
export function appRegion(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const { region, from } = stageRegion(flag, env);
  if (!isAwsRegion(region)) refuse(`${from} is "${region}": not an AWS region`);
  return region;
}

const read = new WeakMap<object, AppSettings>();

/** The settings of the app being built, checked the first time they are asked for. */
export function settingsOf(
  app: { readonly stage: string },
  env: NodeJS.ProcessEnv = process.env,
): AppSettings {
  const known = read.get(app);
  if (known) return known;
  // The stage names streams, tables, queues, the Timestream database and the IoT rules.
  if (!isStageName(app.stage))
    refuse(`stage "${app.stage}" cannot name AWS resources: use ${STAGE_NAME_RULE}`);
  let telemetry: TelemetryTarget = "lake";
  try {
    telemetry = telemetryTarget(env.FLEETLINE_TELEMETRY);
  } catch (error) {
    refuse((error as Error).message);
  }
  const alertEmail = env.FLEETLINE_ALERT_EMAIL;
  if (alertEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alertEmail))
    refuse(`FLEETLINE_ALERT_EMAIL is not an e-mail address: "${alertEmail}"`);
  const settings = { telemetry, alertEmail };
  read.set(app, settings);
  return settings;
}
