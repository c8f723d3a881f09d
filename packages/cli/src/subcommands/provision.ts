import { mkdir } from "node:fs/promises";
import { parseArgs } from "node:util";
import {
  deviceTypeList,
  isDeviceType,
  isStageName,
  STAGE_NAME_RULE,
  stageNames,
} from "@fleetline/core/devices";
import type { FleetType } from "@fleetline/simulator";
import { commandRegion } from "../aws-region.js";
import type { Io } from "../io.js";
import { EXIT, UsageError } from "../usage.js";
import { positiveInt } from "./simulate.js";

/** `fleetline provision --things N --out DIR` (docs/reference/cli.md): AWS IoT things and certificates for the simulator. */
export async function provisionCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      things: { type: "string" },
      out: { type: "string" },
      type: { type: "string" },
      prefix: { type: "string" },
      stage: { type: "string" },
      policy: { type: "string" },
      region: { type: "string" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.things === undefined) throw new UsageError("--things N is required");
  const things = positiveInt("things", values.things, 1);
  if (!values.out) throw new UsageError("--out DIR is required: where the certificates are written");
  const type = (values.type ?? "mixed") as FleetType;
  if (type !== "mixed" && !isDeviceType(type))
    throw new UsageError(`--type must be ${deviceTypeList("mixed")}, got "${type}"`);
  const stage = values.stage ?? "prod";
  if (!isStageName(stage))
    throw new UsageError(`--stage must be the deployed stage's name (${STAGE_NAME_RULE}), got "${stage}"`);
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
      prefix: `${names.thingPrefix}${values.prefix ?? "sim"}`,
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
