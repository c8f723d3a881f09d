import { parseArgs } from "node:util";
import { parseDuration } from "@fleetline/core/common";
import { stageRegion } from "@fleetline/core/devices";
import { TELEMETRY_TARGETS, type TelemetryTarget } from "@fleetline/core/telemetry";
import { ASSUMPTIONS, type CostEstimate, estimateCost, PRICES } from "../cost/estimate.js";
import type { Io } from "../io.js";
import { EXIT, UsageError } from "../usage.js";

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(number > 0))
    throw new UsageError(`--${name} must be a positive number, got "${value}"`);
  return number;
}

function intervalSeconds(value: string | undefined): number {
  if (value === undefined) return 60;
  const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : parseDuration(value);
  if (ms === undefined || !(ms > 0))
    throw new UsageError(`--interval must be a positive duration such as 60s or 5m, got "${value}"`);
  return ms / 1000;
}

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

/** `--name -5` as `--name=-5`, so parseArgs reads the number as the option's value. */
function withNegativeValues(args: readonly string[]): string[] {
  const joined: string[] = [];
  for (const arg of args) {
    const previous = joined.at(-1);
    if (/^-\d/.test(arg) && previous?.startsWith("--") && !previous.includes("="))
      joined.push(`${joined.pop()}=${arg}`);
    else joined.push(arg);
  }
  return joined;
}

/** `fleetline cost` (docs/reference/cli.md): what a fleet would cost a month on AWS, per service. */
export async function costCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    // `--devices -5` is a negative number to refuse with its reason, not an unknown option.
    args: withNegativeValues(args),
    options: {
      devices: { type: "string" },
      interval: { type: "string" },
      "payload-bytes": { type: "string" },
      region: { type: "string" },
      telemetry: { type: "string" },
      json: { type: "boolean" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.devices === undefined) throw new UsageError("--devices N is required");
  const devices = positive("devices", values.devices, 0);
  if (!Number.isInteger(devices))
    throw new UsageError(`--devices must be a whole number, got "${values.devices}"`);
  // The stage's region, as the deploy recipe's other commands read it; prices.json may lack it.
  const { region: stage, from } = stageRegion(values.region, process.env);
  const priced = Object.keys(PRICES.regions);
  if (!PRICES.regions[stage] && from === "--region")
    throw new UsageError(`--region: no prices for "${stage}"; prices.json has ${priced.join(", ")}`);
  const region = PRICES.regions[stage] ? stage : (priced[0] as string);

  const telemetry = (values.telemetry ?? "lake") as TelemetryTarget;
  if (!(TELEMETRY_TARGETS as readonly string[]).includes(telemetry))
    throw new UsageError(`--telemetry must be ${TELEMETRY_TARGETS.join(" or ")}, got "${telemetry}"`);
  const interval = intervalSeconds(values.interval);
  const payloadBytes = positive("payload-bytes", values["payload-bytes"], 300);
  if (region !== stage)
    io.stderr(
      `fleetline cost: the stage's region is ${stage} (${from === "AWS_REGION" ? "from AWS_REGION" : "the default"}), which prices.json has no prices for: estimating with ${region}'s\n`,
    );
  const estimate = estimateCost({
    devices,
    intervalSeconds: interval,
    payloadBytes,
    region,
    telemetry,
  });
  io.stdout(values.json ? `${JSON.stringify({ ...estimate, assumptions: ASSUMPTIONS })}\n` : table(estimate));
  return EXIT.ok;
}
