import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { parseDuration } from "@fleetline/core/common";
import {
  deviceTypeList,
  isDeviceType,
  isStageName,
  STAGE_NAME_RULE,
  stageNames,
} from "@fleetline/core/devices";
import {
  FAULT_PROFILES,
  type FaultProfile,
  type FleetOptions,
  type FleetSummary,
  type FleetType,
  type Target,
} from "@fleetline/simulator";
import { urlFlag } from "../flags.js";
import type { Io } from "../io.js";
import { EXIT, UsageError } from "../usage.js";

export function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new UsageError(`--${name} must be a whole number ≥ 1, got "${value}"`);
  return Number(value);
}

export function rateFlag(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const rate = Number(value);
  if (!/^\d*\.?\d+$/.test(value) || !(rate > 0) || rate > 100)
    throw new UsageError(`--rate must be a number of reports per second in (0, 100], got "${value}"`);
  return rate;
}

export function faultsFlag(value: string | undefined, fallback: FaultProfile): FaultProfile {
  if (value === undefined) return fallback;
  if (!(FAULT_PROFILES as readonly string[]).includes(value))
    throw new UsageError(`--faults must be one of ${FAULT_PROFILES.join(", ")}, got "${value}"`);
  return value as FaultProfile;
}

function typeFlag(value: string | undefined): FleetType {
  if (value === undefined) return "mixed";
  if (value !== "mixed" && !isDeviceType(value))
    throw new UsageError(`--type must be ${deviceTypeList("mixed")}, got "${value}"`);
  return value;
}

function target(values: Record<string, string | boolean | undefined>): Target {
  const kind = (values.target as string | undefined) ?? "local";
  if (kind === "local") {
    const url = urlFlag("url", (values.url as string | undefined) ?? "http://127.0.0.1:8080", [
      "http:",
      "https:",
    ]);
    return {
      kind: "local",
      url,
      ...(values["api-token"] ? { apiToken: values["api-token"] as string } : {}),
      ...(values.mtls ? { mtls: true } : {}),
    };
  }
  if (values.mtls) throw new UsageError("--mtls is for --target local: AWS IoT Core is always mutual TLS");
  if (kind !== "aws") throw new UsageError(`--target must be local or aws, got "${kind}"`);
  const given = values.endpoint as string | undefined;
  // host[:port]: AWS IoT's data endpoint, or fleetline dev's mutual-TLS port (127.0.0.1:8883).
  const match = /^((?:[a-z0-9-]+(?:\.[a-z0-9-]+)+)|localhost)(?::(\d{1,5}))?$/i.exec(given ?? "");
  if (!match || Number(match[2] ?? 8883) > 65535) {
    throw new UsageError(
      `--target aws needs --endpoint with your AWS IoT data endpoint (e.g. abc123-ats.iot.eu-west-1.amazonaws.com, or 127.0.0.1:8883 for fleetline dev), got "${given ?? ""}"`,
    );
  }
  const certsDir = values.certs as string | undefined;
  if (!certsDir) throw new UsageError("--target aws needs --certs DIR, as written by fleetline provision");
  return {
    kind: "aws",
    endpoint: match[1] as string,
    ...(match[2] ? { port: Number(match[2]) } : {}),
    certsDir,
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

function stageFlag(value: string | undefined): string {
  const stage = value ?? "prod";
  if (!isStageName(stage))
    throw new UsageError(`--stage must be the deployed stage's name (${STAGE_NAME_RULE}), got "${stage}"`);
  return stage;
}

function summaryLine(summary: FleetSummary): string {
  return `simulate: ${summary.devices} devices, sent ${summary.sent}, acknowledged ${summary.acked}, failed ${summary.failed}, dropped ${summary.dropped}, invalid on purpose ${summary.invalid}, duplicates ${summary.duplicates}`;
}

/** `fleetline simulate` (docs/reference/cli.md): a seeded fleet against the local runtime or AWS IoT Core, or a dry run to a file. */
export async function simulateCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      devices: { type: "string" },
      type: { type: "string" },
      rate: { type: "string" },
      duration: { type: "string" },
      seed: { type: "string" },
      url: { type: "string" },
      target: { type: "string" },
      endpoint: { type: "string" },
      certs: { type: "string" },
      faults: { type: "string" },
      out: { type: "string" },
      "dry-run": { type: "boolean" },
      prefix: { type: "string" },
      start: { type: "string" },
      json: { type: "boolean" },
      mtls: { type: "boolean" },
      "api-token": { type: "string" },
      stage: { type: "string" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const fleet: FleetOptions = {
    devices: positiveInt("devices", values.devices, 10),
    type: typeFlag(values.type),
    rateHz: rateFlag(values.rate, 1),
    seed: values.seed ?? "fleetline",
    faults: faultsFlag(values.faults, "default"),
    // On AWS the stage's things carry its prefix, as fleetline provision named them: prod_sim-fs-0001.
    prefix: `${values.target === "aws" ? stageNames(stageFlag(values.stage)).thingPrefix : ""}${values.prefix ?? "sim"}`,
  };
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(fleet.prefix))
    throw new UsageError(`--prefix must match [A-Za-z0-9_-]{1,40}, got "${fleet.prefix}"`);
  const durationMs = parseDuration(values.duration ?? "30s");
  if (durationMs === undefined)
    throw new UsageError(`--duration must be a duration such as 30s, 5m or 1h, got "${values.duration}"`);
  const { dryRun, LiveFleet, missingCertificate, planFleet } = await import("@fleetline/simulator");

  if (values["dry-run"]) {
    const start = values.start === undefined ? Date.parse("2026-01-01T00:00:00Z") : Date.parse(values.start);
    if (Number.isNaN(start))
      throw new UsageError(`--start must be an ISO-8601 instant, got "${values.start}"`);
    const { lines, counts } = dryRun({ ...fleet, durationMs, start });
    const text = lines.length > 0 ? `${lines.join("\n")}\n` : "";
    if (values.out) await writeFile(values.out, text);
    else io.stdout(text);
    io.stderr(
      `simulate: dry run, ${counts.messages} messages (${counts.invalid} invalid on purpose, ${counts.duplicates} duplicates)${values.out ? ` written to ${values.out}` : ""}\n`,
    );
    return EXIT.ok;
  }

  const chosen = target(values);
  if (chosen.kind === "aws") {
    const say = endpointRegion(chosen.endpoint);
    const missing = missingCertificate(
      chosen.certsDir,
      planFleet(fleet).map((device) => device.thing),
    );
    if (missing)
      throw new UsageError(
        `certificate file ${missing} is missing or unreadable; run fleetline provision first`,
      );
    if (say) io.stderr(say);
  }
  let live: Awaited<ReturnType<typeof LiveFleet.start>>;
  try {
    live = await LiveFleet.start({ ...fleet, target: chosen });
  } catch (error) {
    io.stderr(`fleetline simulate: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.invalid;
  }
  const startedAt = Date.now();
  let lastSent = 0;
  const progress = setInterval(
    () => {
      const s = live.summary();
      const rate = s.sent - lastSent;
      lastSent = s.sent;
      const line = `simulate: ${s.connected}/${s.devices} connected, sent ${s.sent}, acked ${s.acked}, failed ${s.failed}, ${rate} msg/s`;
      io.stderr(io.stderrIsTTY ? `\r${line}   ` : `${line}\n`);
    },
    io.stderrIsTTY ? 1000 : 5000,
  );
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, durationMs);
    const stop = () => {
      clearTimeout(timer);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  clearInterval(progress);
  const summary = await live.stop();
  if (io.stderrIsTTY) io.stderr("\n");
  io.stderr(`${summaryLine(summary)} in ${Math.round((Date.now() - startedAt) / 1000)} s\n`);
  if (values.json) io.stdout(`${JSON.stringify(summary)}\n`);
  return summary.failed === 0 ? EXIT.ok : EXIT.invalid;
}
