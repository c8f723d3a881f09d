import { mkdir } from "node:fs/promises";
import { DEVICE_TYPES, stageNames } from "@fleetline/core/devices";
import type { FleetType } from "@fleetline/simulator";
import { Option } from "commander";
import { commandRegion } from "../aws-region.js";
import type { Io } from "../io.js";
import { oneOf, stageName, thingPrefix, wholeNumber } from "../options.js";
import { type Definer, examples, run } from "../subcommand-kit.js";
import { EXIT } from "../usage.js";

interface ProvisionOptions {
  things: number;
  out: string;
  type: FleetType;
  prefix: string;
  stage: string;
  policy?: string;
  region?: string;
}

/** `fleetline provision --things N --out DIR` (docs/reference/cli.md): AWS IoT things and certificates for the simulator. */
async function provision(values: ProvisionOptions, io: Io): Promise<number> {
  const { things, type, stage } = values;
  const region = commandRegion("provision", values.region, io);
  const [{ IoTClient }, { IotThingRegistry }, { provisionThings }] = await Promise.all([
    import("@aws-sdk/client-iot"),
    import("@fleetline/functions"),
    import("@fleetline/simulator"),
  ]);
  const iot = new IoTClient({ region });
  try {
    await mkdir(values.out, { recursive: true });
    // The names the stage's stacks gave its fleet and device policy.
    const names = stageNames(stage);
    const registry = new IotThingRegistry(iot, {
      fleet: names.fleet,
      thingPrefix: names.thingPrefix,
      policyName: values.policy ?? names.devicePolicy,
    });
    const provisioned = await provisionThings(registry, {
      things,
      type,
      // The stage's things are named with its prefix: prod_sim-fs-0001.
      prefix: `${names.thingPrefix}${values.prefix}`,
      out: values.out,
    });
    io.stdout(`provisioned ${provisioned.length} things; certificates in ${values.out}\n`);
    return EXIT.ok;
  } catch (error) {
    io.stderr(
      `fleetline provision: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`,
    );
    return EXIT.invalid;
  } finally {
    iot.destroy();
  }
}

export function defineProvision({ program, io, outcome }: Definer): void {
  const command = program
    .command("provision")
    .summary("AWS: create the simulator's things and certificates on a stage")
    .description(
      "Create the simulator's things in a deployed stage's fleet in AWS IoT, each with an active certificate and the stage's device policy, and write the files fleetline simulate --target aws --certs DIR reads. Uses your AWS credentials, in the stage's region (--region, else AWS_REGION, else eu-west-1).",
    )
    .addOption(
      new Option("--things <n>", "how many things")
        .makeOptionMandatory()
        .argParser(wholeNumber("--things", 20)),
    )
    .requiredOption("--out <dir>", "where the certificates are written")
    .addOption(
      new Option("--type <type>", "which devices")
        .default("mixed")
        .argParser(oneOf("--type", ["mixed", ...DEVICE_TYPES])),
    )
    .addOption(
      new Option("--prefix <prefix>", "thing names, after the stage's prefix: dev_sim-fs-0001")
        .default("sim")
        .argParser(thingPrefix),
    )
    .addOption(new Option("--stage <stage>", "the deployed stage").default("prod").argParser(stageName))
    .option("--policy <name>", "another IoT policy than the stage's device policy")
    .option("--region <region>", "the stage's AWS region");
  examples(command, [
    [
      "fleetline provision --stage dev --things 20 --out certs/",
      "20 things dev_sim-fs-0001, … with certificates",
    ],
  ]);
  command.action(run(outcome, (options: ProvisionOptions) => provision(options, io)));
}
