import { writeFile } from "node:fs/promises";
import { DEVICE_TYPES, stageNames } from "@fleetline/core/devices";
import type { FleetOptions, FleetSummary, FleetType, Target } from "@fleetline/simulator";
import { FAULT_PROFILES, type FaultProfile } from "@fleetline/simulator/chaos";
import { Option } from "commander";
import type { Io } from "../io.js";
import {
  apiTokenOption,
  duration,
  instant,
  jsonOption,
  oneOf,
  positiveNumber,
  share,
  stageName,
  thingPrefix,
  urlOption,
  wholeNumber,
} from "../options.js";
import { signalExitCode, stopSignals } from "../stop-signals.js";
import { type Definer, examples, run } from "../subcommand-kit.js";
import { EXIT, UsageError } from "../usage.js";

interface SimulateOptions {
  devices: number;
  type: FleetType;
  rate: number;
  duration: number;
  seed: string;
  faults: FaultProfile;
  url: string;
  apiToken?: string;
  mtls?: boolean;
  provisionByClaim?: boolean;
  target: "local" | "aws";
  endpoint?: string;
  certs?: string;
  stage: string;
  prefix: string;
  dryRun?: boolean;
  out?: string;
  start?: number;
  json?: boolean;
  /** False with --no-jobs. */
  jobs: boolean;
  jobFailureRate?: number;
}

/** Where the fleet connects: fleetline dev (registering its devices), or AWS IoT Core with certificates. */
function target(options: SimulateOptions): Target {
  if (options.target === "local")
    return {
      kind: "local",
      url: options.url,
      apiToken: options.apiToken,
      mtls: options.mtls,
      provisionByClaim: options.provisionByClaim,
    };
  if (options.mtls) throw new UsageError("--mtls is for --target local: AWS IoT Core is always mutual TLS");
  const given = options.endpoint;
  // host[:port]: AWS IoT's data endpoint, or fleetline dev's mutual-TLS port (127.0.0.1:8883).
  const match = /^((?:[a-z0-9-]+(?:\.[a-z0-9-]+)+)|localhost)(?::(\d{1,5}))?$/i.exec(given ?? "");
  if (!match || Number(match[2] ?? 8883) > 65535)
    throw new UsageError(
      `--target aws needs --endpoint with your AWS IoT data endpoint, got "${given ?? ""}" (e.g. --endpoint abc123-ats.iot.eu-west-1.amazonaws.com, or 127.0.0.1:8883 for fleetline dev)`,
    );
  if (!options.certs)
    throw new UsageError(
      "--target aws needs --certs DIR, as fleetline provision writes it (e.g. --certs certs/)",
    );
  return {
    kind: "aws",
    endpoint: match[1] as string,
    port: match[2] ? Number(match[2]) : undefined,
    certsDir: options.certs,
    ...(options.provisionByClaim
      ? { provisionByClaim: { templateName: stageNames(options.stage).provisioningTemplate } }
      : {}),
  };
}

/**
 * The line that says which region an AWS IoT endpoint is in (its host names it); one in another
 * region than the stage's, as AWS_REGION names it, is a usage error.
 */
function endpointRegion(endpoint: string): string | undefined {
  const region = /\.iot\.([a-z0-9-]+)\.amazonaws\.com$/.exec(endpoint)?.[1];
  if (region === undefined) return undefined;
  const stage = process.env.AWS_REGION;
  if (stage && stage !== region)
    throw new UsageError(`--endpoint is in ${region}, but AWS_REGION says the stage is in ${stage}`);
  return `fleetline simulate: AWS region ${region} (from --endpoint)\n`;
}

function summaryLine(summary: FleetSummary): string {
  const { succeeded, failed, rejected } = summary.jobs;
  const jobs =
    succeeded + failed + rejected > 0
      ? `, jobs ${succeeded} succeeded, ${failed} failed, ${rejected} rejected`
      : "";
  const { drop, "lost-puback": lostPuback, "slow-link": slowLink } = summary.network;
  const network =
    drop + lostPuback + slowLink > 0
      ? `, network faults: ${drop} dropped, ${lostPuback} lost PUBACK, ${slowLink} slow link (resent ${summary.resent})`
      : "";
  return `simulate: ${summary.devices} devices, sent ${summary.sent}, acknowledged ${summary.acked}, failed ${summary.failed}, dropped ${summary.dropped}, invalid on purpose ${summary.invalid}, duplicates ${summary.duplicates}${network}${jobs}`;
}

/** `fleetline simulate` (docs/reference/cli.md): a seeded fleet against the local runtime or AWS IoT Core, or a dry run to a file. */
async function simulate(options: SimulateOptions, io: Io): Promise<number> {
  const fleet: FleetOptions = {
    devices: options.devices,
    type: options.type,
    rateHz: options.rate,
    seed: options.seed,
    faults: options.faults,
    // On AWS the stage's things carry its prefix, as fleetline provision named them: prod_sim-fs-0001.
    prefix: `${options.target === "aws" ? stageNames(options.stage).thingPrefix : ""}${options.prefix}`,
  };
  const durationMs = options.duration;
  const { dryRun, LiveFleet, missingCertificate, planFleet } = await import("@fleetline/simulator");

  if (options.dryRun) {
    const start = options.start ?? Date.parse("2026-01-01T00:00:00Z");
    const { lines, counts } = dryRun({ ...fleet, durationMs, start });
    const text = lines.length > 0 ? `${lines.join("\n")}\n` : "";
    if (options.out) await writeFile(options.out, text);
    else io.stdout(text);
    io.stderr(
      `simulate: dry run, ${counts.messages} messages (${counts.invalid} invalid on purpose, ${counts.duplicates} duplicates)${options.out ? ` written to ${options.out}` : ""}\n`,
    );
    return EXIT.ok;
  }

  const chosen = target(options);
  if (chosen.kind === "aws") {
    const say = endpointRegion(chosen.endpoint);
    if (chosen.provisionByClaim) {
      const missingClaim = missingCertificate(chosen.certsDir, ["claim"]);
      if (missingClaim)
        throw new UsageError(
          `claim file ${missingClaim} is missing; run fleetline provisioning claim --stage ${options.stage} --out ${chosen.certsDir}`,
        );
    }
    const missing = chosen.provisionByClaim
      ? undefined
      : missingCertificate(
          chosen.certsDir,
          planFleet(fleet).map((device) => device.thing),
        );
    if (missing)
      throw new UsageError(
        `certificate file ${missing} is missing or unreadable; run fleetline provision first`,
      );
    if (say) io.stderr(say);
  }
  const signals = stopSignals((signal) => {
    io.stderr("fleetline simulate: second signal: stopping now\n");
    process.exit(signalExitCode(signal));
  });
  let live: Awaited<ReturnType<typeof LiveFleet.start>>;
  try {
    live = await LiveFleet.start({
      ...fleet,
      target: chosen,
      jobs: options.jobs ? { failureRate: options.jobFailureRate } : false,
    });
  } catch (error) {
    signals.dispose();
    io.stderr(`fleetline simulate: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.invalid;
  }
  const startedAt = Date.now();
  let last = { sent: 0, at: startedAt };
  const progress = setInterval(
    () => {
      const s = live.summary();
      const now = Date.now();
      // Over the time that really passed: a busy event loop runs this interval late.
      const rate = Math.round(((s.sent - last.sent) * 1000) / Math.max(1, now - last.at));
      last = { sent: s.sent, at: now };
      const line = `simulate: ${s.connected}/${s.devices} connected, sent ${s.sent}, acked ${s.acked}, failed ${s.failed}, ${rate} msg/s`;
      io.stderr(io.stderrIsTTY ? `\r${line}   ` : `${line}\n`);
    },
    io.stderrIsTTY ? 1000 : 5000,
  );
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([new Promise((resolve) => (timer = setTimeout(resolve, durationMs))), signals.first]);
  clearTimeout(timer);
  clearInterval(progress);
  const summary = await live.stop();
  signals.dispose();
  if (io.stderrIsTTY) io.stderr("\n");
  io.stderr(`${summaryLine(summary)} in ${Math.round((Date.now() - startedAt) / 1000)} s\n`);
  if (options.json) io.stdout(`${JSON.stringify(summary)}\n`);
  return summary.failed === 0 ? EXIT.ok : EXIT.invalid;
}

export function defineSimulate({ program, io, outcome }: Definer): void {
  const command = program
    .command("simulate")
    .summary("run a seeded fleet of simulated dispensers and robots")
    .description(
      "Run a seeded fleet of simulated dispensers and robots against fleetline dev (registering its devices) or AWS IoT Core, with progress on stderr and a summary at the end; exit 1 if a message was never acknowledged. --dry-run writes the messages it would send, byte-identical for the same seed.",
    )
    .addOption(
      new Option("--devices <n>", "how many devices").default(10).argParser(wholeNumber("--devices", 10)),
    )
    .addOption(
      new Option("--type <type>", "which devices")
        .default("mixed")
        .argParser(oneOf("--type", ["mixed", ...DEVICE_TYPES])),
    )
    .addOption(
      new Option("--rate <hz>", "reports per second of each device")
        .default(1)
        .argParser(positiveNumber("--rate", "1", 100)),
    )
    .addOption(
      new Option("--duration <duration>", "how long it runs")
        .default(30_000, "30s")
        .argParser(duration("--duration", "30s")),
    )
    .option("--seed <seed>", "fixes the fleet, its models and every random choice", "fleetline")
    .addOption(
      new Option(
        "--faults <profile>",
        "none: healthy; default: machine faults; chaos: also network and firmware misbehaviour",
      )
        .default("default")
        .argParser(oneOf("--faults", FAULT_PROFILES)),
    )
    .addOption(
      new Option("--prefix <prefix>", "thing names start with it: sim-fs-0001, …")
        .default("sim")
        .argParser(thingPrefix),
    )
    .addOption(urlOption())
    .addOption(apiTokenOption())
    .option("--mtls", "give each device a certificate and connect to fleetline dev's mutual-TLS port")
    .option(
      "--provision-by-claim",
      "each device provisions itself from a claim (AWS IoT fleet provisioning), then connects with its own certificate",
    )
    .addOption(
      new Option("--target <target>", "local: fleetline dev; aws: AWS IoT Core")
        .default("local")
        .argParser(oneOf("--target", ["local", "aws"] as const)),
    )
    .option("--endpoint <host[:port]>", "with --target aws: your AWS IoT data endpoint")
    .option("--certs <dir>", "with --target aws: the certificates fleetline provision wrote")
    .addOption(
      new Option("--stage <stage>", "with --target aws: the deployed stage, whose prefix the things carry")
        .default("prod")
        .argParser(stageName),
    )
    .option("--no-jobs", "the devices ignore their jobs (AWS IoT Jobs): no firmware or catalogue updates")
    .addOption(
      new Option(
        "--job-failure-rate <share>",
        "the share of job executions that fail (default: 0.02 for robots, 0.005 for dispensers)",
      ).argParser(share("--job-failure-rate", "0.02")),
    )
    .option("--dry-run", "write the messages it would send instead, on a simulated clock")
    .option("--out <file>", "with --dry-run: the file to write (default stdout)")
    .addOption(
      new Option(
        "--start <instant>",
        "with --dry-run: the simulated clock's start (default 2026-01-01T00:00:00Z)",
      ).argParser(instant("--start")),
    )
    .addOption(jsonOption());
  examples(command, [
    ["fleetline simulate --devices 200 --duration 20s", "200 devices against fleetline dev for 20 s"],
    [
      "fleetline simulate --faults chaos --seed demo",
      "duplicates, reordering, clock skew, malformed payloads, outages",
    ],
    ["fleetline simulate --dry-run --out fleet.jsonl", "what the fleet would send, to a file"],
    [
      "fleetline simulate --provision-by-claim",
      "each device provisions itself from a claim, as from a factory",
    ],
    [
      "fleetline simulate --target aws --stage dev --endpoint <endpoint> --certs certs/",
      "the same fleet on AWS IoT Core",
    ],
  ]);
  command.action(run(outcome, (options: SimulateOptions) => simulate(options, io)));
}
