import type { IoTClient, ServiceInputTypes, ServiceOutputTypes } from "@aws-sdk/client-iot";
import { stageNames } from "@fleetline/core/devices";
import type { FinalizeHandler, FinalizeHandlerArguments, FinalizeRequestMiddleware } from "@smithy/types";
import { type Command, Option } from "commander";
import { commandRegion } from "../aws-region.js";
import type { Io } from "../io.js";
import { apiTokenOption, jsonOption, stageName, urlOption } from "../options.js";
import { callApi } from "../runtime-api.js";
import { EXIT, UsageError } from "../usage.js";

/** Where `fleetline jobs` works: a running fleetline dev, or a stage's AWS IoT. */
export interface JobsTarget {
  url: string;
  apiToken?: string;
  /** With a stage: AWS IoT in its region, its things named with its prefix. */
  stage?: string;
  region?: string;
}

export interface ControlPlane {
  iot: IoTClient;
  /**
   * A thing's or job's name as the control plane knows it: the stage's prefix added on AWS, where
   * one account holds every stage's things and jobs (the stage's API reads only its own).
   */
  thingName(name: string): string;
  /** The name to show: the stage's prefix taken off. */
  shown(name: string): string;
  /** Whether a thing or job is the target's: on AWS, ListThings and ListJobs answer for the whole account. */
  owns(name: string): boolean;
}

/**
 * `@aws-sdk/client-iot` for the target: on a stage, AWS IoT with the shell's credentials; locally,
 * the runtime's control plane at the `iotEndpoint` its `/api/info` names — the same client and
 * calls either way. A local API token rides as the bearer, in place of the signature the local
 * runtime does not check.
 */
export async function controlPlane(command: string, target: JobsTarget, io: Io): Promise<ControlPlane> {
  const { IoTClient } = await import("@aws-sdk/client-iot");
  if (target.stage !== undefined) {
    const region = commandRegion(command, target.region, io);
    const { thingPrefix } = stageNames(target.stage);
    return {
      iot: new IoTClient({ region }),
      thingName: (name) => (name.startsWith(thingPrefix) ? name : `${thingPrefix}${name}`),
      shown: (name) => (name.startsWith(thingPrefix) ? name.slice(thingPrefix.length) : name),
      owns: (name) => name.startsWith(thingPrefix),
    };
  }
  const { NodeHttpHandler } = await import("@smithy/node-http-handler");
  const info = (await (
    await callApi(target.url, "/api/info", { method: "GET" }, target.apiToken)
  ).json()) as {
    iotEndpoint?: string;
  };
  if (!info.iotEndpoint)
    throw new Error(`${target.url} serves no IoT control plane (is it a stage's ApiUrl? use --stage)`);
  const iot = new IoTClient({
    endpoint: info.iotEndpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "fleetline", secretAccessKey: "fleetline" },
    requestHandler: new NodeHttpHandler(),
  });
  const token = target.apiToken;
  if (token)
    iot.middlewareStack.addRelativeTo(
      ((next: FinalizeHandler<ServiceInputTypes, ServiceOutputTypes>) =>
        (args: FinalizeHandlerArguments<ServiceInputTypes>) => {
          (args.request as { headers: Record<string, string> }).headers.authorization = `Bearer ${token}`;
          return next(args);
        }) as FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes>,
      { relation: "after", toMiddleware: "httpSigningMiddleware", name: "fleetlineBearer" },
    );
  return { iot, thingName: (name) => name, shown: (name) => name, owns: () => true };
}

/** The target flags of every command on the IoT control plane: a running runtime, or a stage on AWS. */
export function targetOptions(command: Command): Command {
  return command
    .addOption(urlOption())
    .addOption(apiTokenOption())
    .addOption(
      new Option("--stage <stage>", "a deployed stage: AWS IoT with your AWS credentials").argParser(
        stageName,
      ),
    )
    .option("--region <region>", "with --stage: its AWS region (default AWS_REGION, else the stage's)")
    .addOption(jsonOption());
}

/**
 * Runs `work` on the target's control plane; an error it answers with is one line on stderr
 * (`fleetline <command>: <AWS error name>: <message>`) and exit 1.
 */
export async function withControlPlane(
  command: string,
  target: JobsTarget,
  io: Io,
  work: (plane: ControlPlane) => Promise<number>,
): Promise<number> {
  const plane = await controlPlane(command, target, io);
  try {
    return await work(plane);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const named = error as Error & { name?: string };
    io.stderr(
      `fleetline ${command}: ${named.name && named.name !== "Error" ? `${named.name}: ` : ""}${named.message}\n`,
    );
    return EXIT.invalid;
  } finally {
    plane.iot.destroy();
  }
}
