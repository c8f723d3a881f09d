import {
  AddThingToThingGroupCommand,
  CancelJobCommand,
  CreateJobCommand,
  type CreateJobCommandInput,
  CreateThingGroupCommand,
  DescribeJobCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  type Job,
  ListJobExecutionsForJobCommand,
  ListJobsCommand,
  ListThingsCommand,
  ListThingsInThingGroupCommand,
} from "@aws-sdk/client-iot";
import { MAX_JOB_TARGETS } from "@fleetline/core/aws";
import { DEVICE_TYPES, isThingName } from "@fleetline/core/devices";
import { type Command, Option } from "commander";
import type { Io } from "../io.js";
import { type ControlPlane, controlPlane, type JobsTarget } from "../jobs/control-plane.js";
import {
  apiTokenOption,
  duration,
  jsonOption,
  oneOf,
  positiveNumber,
  urlOption,
  wholeNumber,
} from "../options.js";
import { type Definer, examples, run } from "../program.js";
import { EXIT, UsageError } from "../usage.js";
import { stageName } from "./simulate.js";

interface JobsOptions extends JobsTarget {
  json?: boolean;
}

interface CreateOptions extends JobsOptions {
  document?: string;
  documentJson?: string;
  things?: string[];
  type?: string;
  group?: string;
  description?: string;
  rate?: number;
  baseRate?: number;
  incrementFactor?: number;
  increaseAfter?: number;
  abortAfter?: number;
  abortThreshold?: number;
  abortOn: string;
  timeout?: number;
  retries?: number;
  presignRole?: string;
  watch?: boolean;
}

const JOB_ID = /^[a-zA-Z0-9_-]{1,64}$/;

function jobId(value: string): string {
  if (!JOB_ID.test(value))
    throw new UsageError(`a job id is 1–64 of letters, digits, _ and -, got "${value}" (e.g. fw-2-1-0)`);
  return value;
}

/** The job document: a file (`-` for stdin) or inline JSON, an object of at most 32 KB. */
async function documentOf(options: CreateOptions, io: Io): Promise<string> {
  if ((options.document === undefined) === (options.documentJson === undefined))
    throw new UsageError(
      `give the job document with --document FILE or --document-json TEXT (e.g. --document-json '{"operation":"firmware","version":"2.1.0"}')`,
    );
  let text: string;
  if (options.documentJson !== undefined) text = options.documentJson;
  else {
    const path = options.document as string;
    try {
      text = new TextDecoder().decode(path === "-" ? await io.readStdin() : await io.readFile(path));
    } catch (error) {
      throw new UsageError(
        `--document: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(
      `the job document is not JSON (e.g. --document-json '{"operation":"firmware","version":"2.1.0"}')`,
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new UsageError("the job document must be a JSON object");
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > 32_768)
    throw new UsageError(`the job document is ${bytes} bytes; AWS IoT takes at most 32768 (32 KB)`);
  return text;
}

/** Thing ARNs for the targets: the things named, or every registered thing of a type. */
function checkTargets(options: CreateOptions): void {
  if (!options.things?.length && !options.type && !options.group)
    throw new UsageError(
      "give the targets with --things NAME…, --type robot|freestyle or --group NAME (e.g. --type robot)",
    );
  for (const name of options.things ?? [])
    if (!isThingName(name))
      throw new UsageError(`--things: "${name}" is not a thing name (e.g. --things rb-1 rb-2)`);
  if ((options.things?.length ?? 0) > MAX_JOB_TARGETS)
    throw new UsageError(
      `--things names ${options.things?.length} things; a job has at most ${MAX_JOB_TARGETS} targets (AWS IoT's limit): target more with --type or --group`,
    );
}

/** Every name a paged listing hands out. */
async function allPages(
  read: (nextToken: string | undefined) => Promise<{ names: string[]; nextToken?: string }>,
) {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await read(nextToken);
    names.push(...page.names);
    nextToken = page.nextToken;
  } while (nextToken);
  return names;
}

/**
 * The thing group `fleetline-{type}` (on a stage, with its prefix), created if need be and brought
 * up to date with every registered thing of the type: a job for more things than the 100 targets
 * AWS IoT allows targets the group.
 */
async function typeGroup(
  plane: ControlPlane,
  type: string,
  io: Io,
): Promise<{ arn: string; things: number }> {
  const ofType = await allPages(async (nextToken) => {
    const page = await plane.iot.send(
      new ListThingsCommand({ attributeName: "type", attributeValue: type, maxResults: 250, nextToken }),
    );
    return {
      names: (page.things ?? []).map((t) => t.thingName ?? "").filter((name) => plane.owns(name)),
      nextToken: page.nextToken,
    };
  });
  if (ofType.length === 0) throw new Error(`no ${type} thing to target`);
  const thingGroupName = plane.thingName(`fleetline-${type}`);
  const { thingGroupArn } = await plane.iot.send(
    new CreateThingGroupCommand({
      thingGroupName,
      thingGroupProperties: {
        thingGroupDescription: `every ${type} of the fleet, kept up to date by fleetline jobs create --type ${type}`,
      },
    }),
  );
  const members = new Set(
    await allPages(async (nextToken) => {
      const page = await plane.iot.send(
        new ListThingsInThingGroupCommand({ thingGroupName, maxResults: 250, nextToken }),
      );
      return { names: page.things ?? [], nextToken: page.nextToken };
    }),
  );
  const missing = ofType.filter((thing) => !members.has(thing));
  if (missing.length > 0)
    io.stderr(
      `adding ${missing.length} ${type} thing(s) to the thing group ${plane.shown(thingGroupName)}\n`,
    );
  for (const thingName of missing)
    await plane.iot.send(new AddThingToThingGroupCommand({ thingGroupName, thingName }));
  return { arn: thingGroupArn as string, things: members.size + missing.length };
}

/** The job's targets (thing and thing group ARNs) and how many things they hold. */
async function targetsOf(plane: ControlPlane, options: CreateOptions, io: Io) {
  const targets: string[] = [];
  let things = 0;
  for (const name of options.things ?? []) {
    const { thingArn } = await plane.iot.send(new DescribeThingCommand({ thingName: plane.thingName(name) }));
    targets.push(thingArn as string);
    things += 1;
  }
  if (options.group) {
    const thingGroupName = plane.thingName(options.group);
    const { thingGroupArn } = await plane.iot.send(new DescribeThingGroupCommand({ thingGroupName }));
    targets.push(thingGroupArn as string);
    things += (
      await allPages(async (nextToken) => {
        const page = await plane.iot.send(
          new ListThingsInThingGroupCommand({ thingGroupName, maxResults: 250, nextToken }),
        );
        return { names: page.things ?? [], nextToken: page.nextToken };
      })
    ).length;
  }
  if (options.type) {
    const group = await typeGroup(plane, options.type, io);
    targets.push(group.arn);
    things += group.things;
  }
  return { targets: [...new Set(targets)], things };
}

function configOf(options: CreateOptions): Partial<CreateJobCommandInput> {
  const config: Partial<CreateJobCommandInput> = {};
  if (options.rate !== undefined || options.baseRate !== undefined) {
    if (
      options.baseRate !== undefined &&
      (options.incrementFactor === undefined || options.increaseAfter === undefined)
    )
      throw new UsageError(
        "--base-rate needs --increment-factor and --increase-after (e.g. --base-rate 10 --increment-factor 2 --increase-after 50)",
      );
    if (options.incrementFactor !== undefined && options.incrementFactor < 1.1)
      throw new UsageError(
        `--increment-factor is 1.1 to 5, got ${options.incrementFactor} (e.g. --increment-factor 2)`,
      );
    config.jobExecutionsRolloutConfig = {
      ...(options.rate !== undefined ? { maximumPerMinute: options.rate } : {}),
      ...(options.baseRate !== undefined
        ? {
            exponentialRate: {
              baseRatePerMinute: options.baseRate,
              incrementFactor: options.incrementFactor as number,
              rateIncreaseCriteria: { numberOfNotifiedThings: options.increaseAfter as number },
            },
          }
        : {}),
    };
  }
  if ((options.abortAfter === undefined) !== (options.abortThreshold === undefined))
    throw new UsageError(
      "--abort-after and --abort-threshold go together (e.g. --abort-after 100 --abort-threshold 5)",
    );
  if (options.abortAfter !== undefined)
    config.abortConfig = {
      criteriaList: [
        {
          failureType: options.abortOn as "FAILED",
          action: "CANCEL",
          thresholdPercentage: options.abortThreshold as number,
          minNumberOfExecutedThings: options.abortAfter,
        },
      ],
    };
  if (options.timeout !== undefined) {
    const minutes = Math.round(options.timeout / 60_000);
    if (minutes < 1 || minutes > 10_080) throw new UsageError("--timeout is 1m to 7d (e.g. --timeout 30m)");
    config.timeoutConfig = { inProgressTimeoutInMinutes: minutes };
  }
  if (options.presignRole !== undefined) {
    if (!/^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/.test(options.presignRole))
      throw new UsageError(
        `--presign-role is an IAM role ARN, got "${options.presignRole}" (e.g. the stage's JobsPresignRole output, arn:aws:iam::123456789012:role/prod-fleetline-JobsPresignRole)`,
      );
    config.presignedUrlConfig = { roleArn: options.presignRole, expiresInSec: 3600 };
  }
  if (options.retries !== undefined)
    config.jobExecutionsRetryConfig = {
      criteriaList: [{ failureType: "ALL", numberOfRetries: options.retries }],
    };
  return config;
}

/** One line of a job's rollout: its status and each count. */
function progressLine(job: Job, shown: (name: string) => string): string {
  const d = job.jobProcessDetails ?? {};
  const counts = [
    ["queued", d.numberOfQueuedThings],
    ["in progress", d.numberOfInProgressThings],
    ["succeeded", d.numberOfSucceededThings],
    ["failed", d.numberOfFailedThings],
    ["rejected", d.numberOfRejectedThings],
    ["timed out", d.numberOfTimedOutThings],
    ["canceled", d.numberOfCanceledThings],
  ]
    .filter(([, n]) => (n as number | undefined) !== undefined)
    .map(([what, n]) => `${n} ${what}`)
    .join(", ");
  return `${shown(job.jobId ?? "")} ${job.status}: ${counts}${job.comment ? ` — ${job.comment}` : ""}`;
}

const FINISHED = new Set(["COMPLETED", "CANCELED"]);

/** Follows a job on stderr until it completes or is canceled (abort included); returns it then. */
async function watch(plane: ControlPlane, id: string, io: Io): Promise<Job> {
  let last = "";
  for (;;) {
    const { job } = await plane.iot.send(new DescribeJobCommand({ jobId: id }));
    const line = progressLine(job as Job, plane.shown);
    if (line !== last) io.stderr(`${new Date().toISOString()} ${line}\n`);
    last = line;
    if (FINISHED.has(job?.status ?? "")) return job as Job;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

async function withPlane(
  command: string,
  options: JobsOptions,
  io: Io,
  work: (plane: ControlPlane) => Promise<number>,
) {
  const plane = await controlPlane(`jobs ${command}`, options, io);
  try {
    return await work(plane);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const named = error as Error & { name?: string };
    io.stderr(
      `fleetline jobs ${command}: ${named.name && named.name !== "Error" ? `${named.name}: ` : ""}${named.message}\n`,
    );
    return EXIT.invalid;
  } finally {
    plane.iot.destroy();
  }
}

async function create(id: string, options: CreateOptions, io: Io): Promise<number> {
  checkTargets(options);
  const document = await documentOf(options, io);
  const config = configOf(options);
  return withPlane("create", options, io, async (plane) => {
    const { targets, things } = await targetsOf(plane, options, io);
    const created = await plane.iot.send(
      new CreateJobCommand({
        jobId: plane.thingName(id),
        targets,
        document,
        ...(options.description ? { description: options.description } : {}),
        ...config,
      }),
    );
    io.stdout(
      options.json
        ? `${JSON.stringify(created)}\n`
        : `created ${plane.shown(created.jobId ?? id)} for ${things} thing${things === 1 ? "" : "s"} (${created.jobArn})\n`,
    );
    if (!options.watch) return EXIT.ok;
    const job = await watch(plane, plane.thingName(id), io);
    return job.status === "COMPLETED" && (job.jobProcessDetails?.numberOfFailedThings ?? 0) === 0
      ? EXIT.ok
      : EXIT.invalid;
  });
}

async function list(options: JobsOptions & { status?: string }, io: Io): Promise<number> {
  return withPlane("list", options, io, async (plane) => {
    const { jobs = [] } = await plane.iot.send(
      new ListJobsCommand({
        maxResults: 250,
        ...(options.status ? { status: options.status as "IN_PROGRESS" } : {}),
      }),
    );
    const ours = jobs.filter((job) => plane.owns(job.jobId ?? ""));
    if (options.json) io.stdout(`${JSON.stringify(ours)}\n`);
    else if (ours.length === 0) io.stdout("no jobs\n");
    else
      for (const job of ours)
        io.stdout(`${plane.shown(job.jobId ?? "")}\t${job.status}\t${job.createdAt?.toISOString() ?? ""}\n`);
    return EXIT.ok;
  });
}

async function describe(id: string, options: JobsOptions & { watch?: boolean }, io: Io): Promise<number> {
  return withPlane("describe", options, io, async (plane) => {
    const name = plane.thingName(id);
    const job = options.watch
      ? await watch(plane, name, io)
      : (await plane.iot.send(new DescribeJobCommand({ jobId: name }))).job;
    const executions = [];
    let nextToken: string | undefined;
    do {
      const page = await plane.iot.send(
        new ListJobExecutionsForJobCommand({ jobId: name, maxResults: 250, nextToken }),
      );
      executions.push(...(page.executionSummaries ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    if (options.json) {
      io.stdout(`${JSON.stringify({ job, executions })}\n`);
      return EXIT.ok;
    }
    io.stdout(`${progressLine(job as Job, plane.shown)}\n`);
    for (const e of executions)
      io.stdout(
        `${plane.shown(e.thingArn?.split("/").at(-1) ?? "")}\t${e.jobExecutionSummary?.status}\t#${e.jobExecutionSummary?.executionNumber}\t${e.jobExecutionSummary?.lastUpdatedAt?.toISOString() ?? ""}\n`,
      );
    return EXIT.ok;
  });
}

async function cancel(
  id: string,
  options: JobsOptions & { force?: boolean; reason?: string; comment?: string },
  io: Io,
) {
  return withPlane("cancel", options, io, async (plane) => {
    await plane.iot.send(
      new CancelJobCommand({
        jobId: plane.thingName(id),
        ...(options.force ? { force: true } : {}),
        ...(options.reason ? { reasonCode: options.reason } : {}),
        ...(options.comment ? { comment: options.comment } : {}),
      }),
    );
    io.stdout(`canceled ${id}${options.force ? " (in-progress executions too)" : ""}\n`);
    return EXIT.ok;
  });
}

/** The target flags every jobs subcommand takes: a running runtime, or a stage on AWS. */
function targetOptions(command: Command): Command {
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

/** `fleetline jobs create|list|describe|cancel` (docs/guide/jobs.md): AWS IoT Jobs, locally or on a stage. */
export function defineJobs({ program, io, outcome }: Definer): void {
  const jobs = program
    .command("jobs")
    .summary("create, follow and cancel over-the-air updates (AWS IoT Jobs)")
    .description(
      "AWS IoT Jobs through @aws-sdk/client-iot: against a running fleetline dev (its IoT control plane), or with --stage against the stage's AWS IoT — the same flags either way.",
    );
  const createCommand = targetOptions(
    jobs
      .command("create")
      .summary("create a job for things, with a rollout rate, abort criteria, timeout and retries")
      .argument("<job-id>", "the job's id: 1–64 of letters, digits, _ and -", jobId)
      .option("--document <file>", "the job document, a JSON file (- for stdin)")
      .option("--document-json <json>", "the job document inline")
      .option("--things <names...>", "target these things (at most 100)")
      .addOption(
        new Option(
          "--type <type>",
          "target every registered thing of this type, through the thing group fleetline-<type> (created and brought up to date)",
        ).argParser(oneOf("--type", DEVICE_TYPES)),
      )
      .option("--group <name>", "target the things of this thing group")
      .option("--description <text>", "what the job does")
      .addOption(
        new Option("--rate <n>", "things notified per minute at most (1–1000)").argParser(
          wholeNumber("--rate", 300, 1, 1000),
        ),
      )
      .addOption(
        new Option("--base-rate <n>", "an exponential rollout's starting rate per minute").argParser(
          wholeNumber("--base-rate", 10, 1, 1000),
        ),
      )
      .addOption(
        new Option(
          "--increment-factor <x>",
          "with --base-rate: the factor the rate grows by (1.1–5)",
        ).argParser(positiveNumber("--increment-factor", "2", 5)),
      )
      .addOption(
        new Option("--increase-after <n>", "with --base-rate: things notified between raises").argParser(
          wholeNumber("--increase-after", 50),
        ),
      )
      .addOption(
        new Option(
          "--abort-after <n>",
          "judge the abort threshold once this many executions ended",
        ).argParser(wholeNumber("--abort-after", 100)),
      )
      .addOption(
        new Option(
          "--abort-threshold <percent>",
          "cancel the job when this share of ended executions failed",
        ).argParser(positiveNumber("--abort-threshold", "5", 100)),
      )
      .addOption(
        new Option("--abort-on <type>", "which failures count toward the abort")
          .default("FAILED")
          .argParser(oneOf("--abort-on", ["FAILED", "REJECTED", "TIMED_OUT", "ALL"])),
      )
      .addOption(
        new Option("--timeout <duration>", "an execution in progress longer than this times out").argParser(
          duration("--timeout", "30m"),
        ),
      )
      .addOption(
        new Option(
          "--retries <n>",
          "retry a failed or timed-out execution up to this often (0–10)",
        ).argParser(wholeNumber("--retries", 2, 0, 10)),
      )
      .option(
        "--presign-role <arn>",
        "the role AWS IoT assumes to fill ${aws:iot:s3-presigned-url:…} placeholders in the document (the stage's JobsPresignRole output)",
      )
      .option(
        "--watch",
        "follow the rollout on stderr until it completes or is canceled; exit 1 unless every execution succeeded",
      ),
  );
  examples(createCommand, [
    [
      `fleetline jobs create fw-2-1-0 --type robot --document-json '{"operation":"firmware","version":"2.1.0"}' --rate 300 --abort-after 100 --abort-threshold 5 --watch`,
      "every robot, 300 a minute, canceled if 5 % of the first 100 fail",
    ],
    [
      "fleetline jobs create menu-12 --things demo-fs-0001 --document menu.json",
      "one dispenser, a catalogue from a file",
    ],
    [
      `fleetline jobs create fw-2-1-0 --stage prod --type robot --document fw.json`,
      "the same on the prod stage's AWS IoT",
    ],
  ]);
  createCommand.action(run(outcome, (id: string, options: CreateOptions) => create(id, options, io)));

  const listCommand = targetOptions(
    jobs
      .command("list")
      .summary("the jobs, newest first")
      .addOption(
        new Option("--status <status>", "only jobs in this status").argParser(
          oneOf("--status", ["IN_PROGRESS", "CANCELED", "COMPLETED"]),
        ),
      ),
  );
  examples(listCommand, [["fleetline jobs list --status IN_PROGRESS", "the rollouts under way"]]);
  listCommand.action(run(outcome, (options: JobsOptions & { status?: string }) => list(options, io)));

  const describeCommand = targetOptions(
    jobs
      .command("describe")
      .summary("a job's status, counts, abort reason and each thing's execution")
      .argument("<job-id>", "the job", jobId)
      .option("--watch", "follow it on stderr until it completes or is canceled first"),
  );
  examples(describeCommand, [
    ["fleetline jobs describe fw-2-1-0", "where the rollout stands, thing by thing"],
  ]);
  describeCommand.action(
    run(outcome, (id: string, options: JobsOptions & { watch?: boolean }) => describe(id, options, io)),
  );

  const cancelCommand = targetOptions(
    jobs
      .command("cancel")
      .summary("cancel a job: its queued executions, and with --force those in progress")
      .argument("<job-id>", "the job", jobId)
      .option("--force", "cancel executions in progress too (a device mid-update may be left half done)")
      .option("--reason <code>", "a reason code recorded with the job")
      .option("--comment <text>", "why, in words"),
  );
  examples(cancelCommand, [["fleetline jobs cancel fw-2-1-0 --comment 'bad build'", "stop the rollout"]]);
  cancelCommand.action(
    run(outcome, (id: string, options: JobsOptions & { force?: boolean }) => cancel(id, options, io)),
  );
}
