import {
  CancelJobCommand,
  CreateJobCommand,
  DescribeJobCommand,
  type Job,
  ListJobExecutionsForJobCommand,
  ListJobsCommand,
} from "@aws-sdk/client-iot";
import { DEVICE_TYPES } from "@fleetline/core/devices";
import { Option } from "commander";
import type { Io } from "../io.js";
import { type ControlPlane, targetOptions, withControlPlane } from "../jobs/control-plane.js";
import {
  type CreateOptions,
  checkTargets,
  configOf,
  documentOf,
  type JobsOptions,
  jobId,
  targetsOf,
} from "../jobs/job-input.js";
import { duration, oneOf, positiveNumber, wholeNumber } from "../options.js";
import { type Definer, examples, run } from "../subcommand-kit.js";
import { EXIT } from "../usage.js";

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

const withPlane = (
  command: string,
  options: JobsOptions,
  io: Io,
  work: (plane: ControlPlane) => Promise<number>,
) => withControlPlane(`jobs ${command}`, options, io, work);

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
