import { isAwsRegion, stageRegion } from "@fleetline/core/devices";
import type { Io } from "./io.js";
import { UsageError } from "./usage.js";

/**
 * The AWS region a command works in: the stage's, read as sst.config.ts reads it (`--region`, else
 * AWS_REGION, else core's default), said in one line on stderr so that no step of the deploy
 * recipe silently works in another region than the others.
 */
export function commandRegion(command: string, flag: string | undefined, io: Io): string {
  const { region, from } = stageRegion(flag, process.env);
  if (!isAwsRegion(region)) throw new UsageError(`${from} is "${region}": not an AWS region`);
  io.stderr(
    `fleetline ${command}: AWS region ${region} (${from === "the default" ? "the stage's default; set AWS_REGION or --region for another" : `from ${from}`})\n`,
  );
  return region;
}
