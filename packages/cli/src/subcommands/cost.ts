import { stageRegion } from "@fleetline/core/devices";
import { MAX_PAYLOAD_BYTES, TELEMETRY_TARGETS, type TelemetryTarget } from "@fleetline/core/telemetry";
import { Option } from "commander";
import { ASSUMPTIONS, type CostEstimate, estimateCost, PRICES } from "../cost/estimate.js";
import type { Io } from "../io.js";
import { duration, jsonOption, oneOf, wholeNumber } from "../options.js";
import { type Definer, examples, run } from "../subcommand-kit.js";
import { EXIT, UsageError } from "../usage.js";

const usd = (value: number) =>
  `$${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

function table(estimate: CostEstimate): string {
  const { input } = estimate;
  const rows = estimate.lines.map((l) => [l.service, l.item, usd(l.usd)]);
  const width = [0, 1].map((i) => Math.max(...rows.map((r) => (r[i] as string).length), 7));
  const line = (r: string[]) =>
    `${(r[0] ?? "").padEnd(width[0] ?? 0)}  ${(r[1] ?? "").padEnd(width[1] ?? 0)}  ${(r[2] ?? "").padStart(12)}`;
  const a = ASSUMPTIONS;
  return [
    `Monthly estimate: ${input.devices.toLocaleString("en-US")} devices, one ${input.payloadBytes}-byte report every ${input.intervalSeconds} s, telemetry in ${input.telemetry === "lake" ? "the lake (S3 + Athena)" : "Timestream"}, ${input.region}`,
    "",
    line(["service", "item", "USD/month"]),
    ...rows.map(line),
    line(["total", "", usd(estimate.total)]),
    line(["", "per device", usd(estimate.perDevice)]),
    "",
    `Assumptions: list prices of ${estimate.date} (packages/cli/src/cost/prices.json, each with its source), no free tier;`,
    `${a.hoursPerMonth} h a month, every device connected all month; ${estimate.shardsPerStream} shards per stream${estimate.shardsPerStream > a.minShards ? ` (the stacks provision ${a.minShards}: raise shardCount)` : ""};`,
    `3 stream functions at ${a.functionMemoryGb} GB, ${a.invocationSeconds * 1000} ms an invocation, batches of up to ${a.batchSize}; ${a.alarmChangeShare * 100} % of messages change an alarm;`,
    `${a.retentionDays} days kept; ${a.queriesPerDay} chart queries and ${a.fleetListingsPerDay} fleet listings a day; Parquet at ${a.parquetShare * 100} % of the JSON.`,
    "Not estimated: data transfer out, Firehose's JQ processing time, the dashboard's CloudFront and S3.",
    "",
  ].join("\n");
}

interface CostOptions {
  devices: number;
  interval: number;
  payloadBytes: number;
  region?: string;
  telemetry: TelemetryTarget;
  json?: boolean;
}

/** `fleetline cost` (docs/guide/deploy.md, "What it costs"): what a fleet would cost a month on AWS, per service. */
async function cost(options: CostOptions, io: Io): Promise<number> {
  // The stage's region, as the deploy recipe's other commands read it; prices.json may lack it.
  const { region: stage, from } = stageRegion(options.region, process.env);
  const priced = Object.keys(PRICES.regions);
  if (!PRICES.regions[stage] && from === "--region")
    throw new UsageError(
      `--region: no prices for "${stage}"; prices.json has ${priced.join(", ")} (e.g. --region ${priced[0]})`,
    );
  const region = PRICES.regions[stage] ? stage : (priced[0] as string);
  if (region !== stage)
    io.stderr(
      `fleetline cost: the stage's region is ${stage} (${from === "AWS_REGION" ? "from AWS_REGION" : "the default"}), which prices.json has no prices for: estimating with ${region}'s\n`,
    );
  const estimate = estimateCost({
    devices: options.devices,
    intervalSeconds: options.interval / 1000,
    payloadBytes: options.payloadBytes,
    region,
    telemetry: options.telemetry,
  });
  io.stdout(
    options.json ? `${JSON.stringify({ ...estimate, assumptions: ASSUMPTIONS })}\n` : table(estimate),
  );
  return EXIT.ok;
}

export function defineCost({ program, io, outcome }: Definer): void {
  const command = program
    .command("cost")
    .summary("what a fleet would cost a month on AWS, per service")
    .description(
      "Estimate a month per AWS service from list prices (packages/cli/src/cost/prices.json, each with its source and date) and print the assumptions, for the stage's region (--region, else AWS_REGION, else eu-west-1).",
    )
    .addOption(
      new Option("--devices <n>", "devices in the fleet")
        .makeOptionMandatory()
        .argParser(wholeNumber("--devices", 1000)),
    )
    .addOption(
      new Option("--interval <duration>", "one report per device every")
        .default(60_000, "60s")
        .argParser(duration("--interval", "60s")),
    )
    .addOption(
      new Option(
        "--payload-bytes <bytes>",
        `a report's size (AWS IoT Core takes at most ${MAX_PAYLOAD_BYTES.toLocaleString("en-US")})`,
      )
        .default(300)
        .argParser((value) => {
          const bytes = wholeNumber("--payload-bytes", 300)(value);
          if (bytes > MAX_PAYLOAD_BYTES)
            throw new UsageError(
              `--payload-bytes is at most ${MAX_PAYLOAD_BYTES} (AWS IoT Core's 128 KB message limit), got ${bytes} (e.g. --payload-bytes 300)`,
            );
          return bytes;
        }),
    )
    .option("--region <region>", "the stage's AWS region")
    .addOption(
      new Option("--telemetry <target>", "where telemetry is kept")
        .default("lake")
        .argParser(oneOf("--telemetry", TELEMETRY_TARGETS)),
    )
    .addOption(jsonOption());
  examples(command, [
    ["fleetline cost --devices 1000", "1,000 devices reporting 300 bytes a minute, on the lake"],
    ["fleetline cost --devices 10000 --interval 10s --telemetry timestream --json", "as JSON"],
  ]);
  command.action(run(outcome, (options: CostOptions) => cost(options, io)));
}
