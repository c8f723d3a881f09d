/**
 * An AWS stage: its name becomes part of stream, table, queue, rule and policy names, so it is
 * held to what all of them accept.
 */
const STAGE_NAME = /^[a-z][a-z0-9-]{0,19}$/;

export function isStageName(value: string): boolean {
  return STAGE_NAME.test(value);
}

export const STAGE_NAME_RULE = "lowercase letters, digits and dashes, at most 20, starting with a letter";

/**
 * Where a stage is deployed, and where the tools that work with it look, unless `--region` or
 * AWS_REGION says otherwise: sst.config.ts and the CLI read the region the same way.
 */
export const DEFAULT_AWS_REGION = "eu-west-1";

/** The region of a stage: `--region R`, else AWS_REGION, else DEFAULT_AWS_REGION; and which of them it was. */
export function stageRegion(
  flag: string | undefined,
  env: Record<string, string | undefined>,
): { region: string; from: "--region" | "AWS_REGION" | "the default" } {
  if (flag) return { region: flag, from: "--region" };
  if (env.AWS_REGION) return { region: env.AWS_REGION, from: "AWS_REGION" };
  return { region: DEFAULT_AWS_REGION, from: "the default" };
}

/** AWS's region names: `eu-west-1`, `us-gov-east-1`, `ap-southeast-5`. */
export function isAwsRegion(value: string): boolean {
  return /^[a-z]{2}(-[a-z]+)+-\d$/.test(value);
}

/** What the stacks name after a stage and the tools that work with a deployed stage look up. */
export function stageNames(stage: string) {
  return {
    /**
     * Every thing of the stage is named with this prefix: the stage's rule reads only those
     * things' telemetry and its functions may touch only their shadows, so stages sharing an
     * account stay apart. `_` cannot occur in a stage name, so no stage's prefix starts another's.
     */
    thingPrefix: `${stage}_`,
    /** The `fleet` attribute of the stage's things, and its Timestream database. */
    fleet: `${stage}-fleetline`,
    /** The IoT policy attached to every device certificate. */
    devicePolicy: `${stage}-fleetline-devices`,
    /** The fleet provisioning template devices register with, holding a claim. */
    provisioningTemplate: `${stage}-fleetline-fleet`,
    /** The IoT policy of a claim certificate: it may provision with the stage's template, nothing else. */
    claimPolicy: `${stage}-fleetline-claim`,
    /** The Glue database of the telemetry lake, and the Athena workgroup (Glue: no hyphens). */
    lakeDatabase: `${stage.replace(/-/g, "_")}_fleetline`,
    workGroup: `${stage}-fleetline`,
    /** The Firehose delivery stream that writes the lake. */
    deliveryStream: `${stage}-fleetline-telemetry`,
  };
}
