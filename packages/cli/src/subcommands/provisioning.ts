import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  CreateProvisioningClaimCommand,
  CreateProvisioningTemplateCommand,
  DescribeProvisioningTemplateCommand,
  ListProvisioningTemplatesCommand,
} from "@aws-sdk/client-iot";
import { LOCAL_FLEET_NAMES, stageNames } from "@fleetline/core/devices";
import type { Io } from "../io.js";
import { type JobsTarget, targetOptions, withControlPlane } from "../jobs/control-plane.js";
import { callApi } from "../runtime-api.js";
import { type Definer, examples, run } from "../subcommand-kit.js";
import { EXIT, UsageError } from "../usage.js";

interface ProvisioningOptions extends JobsTarget {
  json?: boolean;
}

interface TemplateOptions extends ProvisioningOptions {
  create?: string;
  roleArn?: string;
  hookArn?: string;
  description?: string;
}

interface ClaimOptions extends ProvisioningOptions {
  template?: string;
  out: string;
}

/** The fleet template of the target: fleetline dev's, or the stage's. */
const fleetTemplate = (target: JobsTarget) =>
  target.stage === undefined
    ? LOCAL_FLEET_NAMES.provisioningTemplate
    : stageNames(target.stage).provisioningTemplate;

async function templates(options: ProvisioningOptions, io: Io): Promise<number> {
  return withControlPlane("provisioning templates", options, io, async (plane) => {
    const listed = await plane.iot.send(new ListProvisioningTemplatesCommand({}));
    const items = listed.templates ?? [];
    if (options.json) io.stdout(`${JSON.stringify(items)}\n`);
    else
      for (const t of items)
        io.stdout(`${t.templateName}\t${t.enabled ? "enabled" : "disabled"}\t${t.description ?? ""}\n`);
    return EXIT.ok;
  });
}

async function template(name: string, options: TemplateOptions, io: Io): Promise<number> {
  const body = options.create === undefined ? undefined : await readTemplate(options.create, io);
  if (body !== undefined && options.stage !== undefined && !options.roleArn)
    throw new UsageError("--create on a stage needs --role-arn: the role AWS IoT provisions with");
  return withControlPlane("provisioning template", options, io, async (plane) => {
    if (body !== undefined) {
      const created = await plane.iot.send(
        new CreateProvisioningTemplateCommand({
          templateName: name,
          templateBody: body,
          enabled: true,
          provisioningRoleArn: options.roleArn ?? "arn:aws:iam::000000000000:role/fleetline-provisioning",
          ...(options.description ? { description: options.description } : {}),
          ...(options.hookArn ? { preProvisioningHook: { targetArn: options.hookArn } } : {}),
        }),
      );
      io.stdout(`${created.templateArn}\n`);
      return EXIT.ok;
    }
    const { $metadata: _, ...described } = await plane.iot.send(
      new DescribeProvisioningTemplateCommand({ templateName: name }),
    );
    io.stdout(`${JSON.stringify(described, null, options.json ? 0 : 2)}\n`);
    return EXIT.ok;
  });
}

async function readTemplate(file: string, io: Io): Promise<string> {
  let text: string;
  try {
    text = new TextDecoder().decode(file === "-" ? await io.readStdin() : await io.readFile(file));
  } catch {
    throw new UsageError(`--create: cannot read ${file}`);
  }
  try {
    JSON.parse(text);
  } catch {
    throw new UsageError(`--create: ${file} is not JSON (a provisioning template body)`);
  }
  return text;
}

/**
 * A claim for the template, written as a factory flashes it: `claim.cert.pem`, `claim.private.key`
 * and, locally, the CA to trust (`fleetline-ca.pem`).
 */
async function claim(options: ClaimOptions, io: Io): Promise<number> {
  const templateName = options.template ?? fleetTemplate(options);
  return withControlPlane("provisioning claim", options, io, async (plane) => {
    const created = await plane.iot.send(new CreateProvisioningClaimCommand({ templateName }));
    await mkdir(options.out, { recursive: true });
    const key = join(options.out, "claim.private.key");
    await writeFile(join(options.out, "claim.cert.pem"), created.certificatePem ?? "");
    await writeFile(key, created.keyPair?.PrivateKey ?? "", { mode: 0o600 });
    await chmod(key, 0o600);
    if (options.stage === undefined) {
      const info = (await (
        await callApi(options.url, "/api/info", { method: "GET" }, options.apiToken)
      ).json()) as {
        caPem?: string;
      };
      if (info.caPem) await writeFile(join(options.out, "fleetline-ca.pem"), info.caPem);
    }
    const expires = created.expiration?.toISOString() ?? "";
    if (options.json)
      io.stdout(
        `${JSON.stringify({ templateName, certificateId: created.certificateId, expiration: expires })}\n`,
      );
    else io.stdout(`claim for ${templateName} in ${options.out}, valid until ${expires}\n`);
    return EXIT.ok;
  });
}

/** `fleetline provisioning templates|template|claim` (docs/guide/provisioning.md): fleet provisioning by claim. */
export function defineProvisioning({ program, io, outcome }: Definer): void {
  const provisioning = program
    .command("provisioning")
    .summary("fleet provisioning by claim: templates and claim certificates")
    .description(
      "AWS IoT fleet provisioning through @aws-sdk/client-iot: against a running fleetline dev, or with --stage against the stage's AWS IoT. A device holding a claim gets its own certificate and registers its thing with a template.",
    );
  const list = targetOptions(provisioning.command("templates").summary("list the provisioning templates"));
  examples(list, [
    ["fleetline provisioning templates", "fleetline dev's templates"],
    ["fleetline provisioning templates --stage prod", "the prod stage's, and the account's others"],
  ]);
  list.action(run(outcome, (options: ProvisioningOptions) => templates(options, io)));

  const one = targetOptions(
    provisioning
      .command("template")
      .summary("describe a provisioning template, or create one")
      .argument("<name>", "the template's name")
      .option("--create <file>", "create it from this template body (JSON; - for stdin)")
      .option("--role-arn <arn>", "with --create: the role AWS IoT provisions with (required on a stage)")
      .option("--hook-arn <arn>", "with --create: the pre-provisioning hook's Lambda function ARN")
      .option("--description <text>", "with --create: what the template is for"),
  );
  examples(one, [
    [
      "fleetline provisioning template fleetline-fleet",
      "fleetline dev's fleet template, as AWS IoT describes it",
    ],
    ["fleetline provisioning template line-b --create line-b.json", "a template of your own"],
  ]);
  one.action(run(outcome, (name: string, options: TemplateOptions) => template(name, options, io)));

  const claimCommand = targetOptions(
    provisioning
      .command("claim")
      .summary("a claim certificate for a template, valid five minutes")
      .option(
        "--template <name>",
        "the template (default: the fleet template, fleetline-fleet or <stage>-fleetline-fleet)",
      )
      .requiredOption(
        "--out <dir>",
        "where claim.cert.pem, claim.private.key (and fleetline-ca.pem) are written",
      ),
  );
  examples(claimCommand, [
    ["fleetline provisioning claim --out claim/", "a claim for fleetline dev's fleet template"],
    ["fleetline simulate --provision-by-claim", "a fleet that provisions itself from a claim"],
  ]);
  claimCommand.action(run(outcome, (options: ClaimOptions) => claim(options, io)));
}
