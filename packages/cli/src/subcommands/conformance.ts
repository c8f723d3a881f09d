import { writeFile } from "node:fs/promises";
import { DEVICE_TYPES, type DeviceType } from "@fleetline/core/devices";
import { Option } from "commander";
import type { CaseResult } from "../conformance/runner.js";
import type { Io } from "../io.js";
import { apiTokenOption, DEFAULT_URL, oneOf, urlValue } from "../options.js";
import { signalExitCode, stopSignals } from "../stop-signals.js";
import { type Definer, examples, run } from "../subcommand-kit.js";
import { EXIT, UsageError } from "../usage.js";

interface ConformanceOptions {
  type: DeviceType;
  suite?: string[];
  junit?: string;
  mtls?: boolean;
  thing?: string;
  url?: string;
  apiToken?: string;
  host?: string;
}

const MARK: Record<CaseResult["status"], string> = { passed: "pass", failed: "FAIL", "n/a": "n/a " };

/** `fleetline conformance` (docs/guide/conformance.md): qualifies a device process against IoT Core's expectations, offline. */
async function conformance(command: string[], options: ConformanceOptions, io: Io): Promise<number> {
  if (command.length === 0 && !options.host && !options.url)
    throw new UsageError(
      "give the command that starts the device after --, e.g. fleetline conformance -- node devices/simulator/bin/fleetline-device.js (or --host for a device you start yourself)",
    );
  if (options.host && options.url)
    throw new UsageError(
      "--host is the address of the run's own runtime; with --url the running runtime's addresses are used: give one of them",
    );
  const { runConformance } = await import("../conformance/runner.js");
  const { SUITES } = await import("../conformance/cases.js");
  const unknown = options.suite?.find((suite) => !SUITES.includes(suite));
  if (unknown)
    throw new UsageError(
      `--suite must be among ${SUITES.join(", ")}, got "${unknown}" (e.g. --suite connect telemetry)`,
    );
  const device = command.length > 0 ? command.join(" ") : "a device you start";
  io.stderr(
    `conformance: ${device} as a ${options.type}${options.mtls ? " over mutual TLS" : ""}${options.url ? ` on ${options.url}` : ""}\n`,
  );
  // A signal stops the run cleanly: the device process and the runtime are stopped, not orphaned.
  const stopping = new AbortController();
  const signals = stopSignals(() => process.exit(1));
  let stoppedBy: NodeJS.Signals | undefined;
  void signals.first.then((signal) => {
    stoppedBy = signal;
    io.stderr(`conformance: ${signal}: stopping the device and the runtime\n`);
    stopping.abort();
  });
  const results = await runConformance({
    signal: stopping.signal,
    command,
    type: options.type,
    ...(options.suite ? { suites: options.suite } : {}),
    mtls: options.mtls,
    ...(options.thing ? { thing: options.thing } : {}),
    ...(options.host ? { host: options.host } : {}),
    ...(options.url ? { url: options.url, apiToken: options.apiToken } : {}),
    onSettings: (env) =>
      io.stderr(
        `conformance: start the device with these settings; the cases wait for it to connect\n${Object.entries(
          env,
        )
          .map(([key, value]) => `${key}=${value}\n`)
          .join("")}`,
      ),
    onCase: (r) =>
      io.stderr(`  ${MARK[r.status]}  ${r.name.padEnd(18)} ${r.did} (${(r.ms / 1000).toFixed(1)} s)\n`),
  }).finally(() => signals.dispose());
  if (stoppedBy) return signalExitCode(stoppedBy);
  io.stdout(table(results));
  if (options.junit) {
    const { junitXml } = await import("../conformance/junit.js");
    await writeFile(options.junit, junitXml(results, options.thing ?? `conformance-${options.type}`));
  }
  const failed = results.filter((r) => r.status === "failed").length;
  io.stderr(
    `conformance: ${results.length - failed} of ${results.length} cases passed or did not apply${failed ? `, ${failed} failed` : ""}\n`,
  );
  return failed === 0 ? EXIT.ok : EXIT.invalid;
}

function table(results: CaseResult[]): string {
  const rows = results.map(
    (r) => `| ${r.name} | ${r.status} | ${r.expects} | ${r.did.replace(/\|/g, "/")} |`,
  );
  return `${["| case | result | AWS IoT expects | the device |", "| --- | --- | --- | --- |", ...rows].join("\n")}\n`;
}

export function defineConformance({ program, io, outcome }: Definer): void {
  const command = program
    .command("conformance")
    .summary("qualify a device's firmware against AWS IoT Core's expectations, offline")
    .description(
      "Start a private runtime, register a thing, start the device command with its connection in the environment (FLEETLINE_MQTT_URL, FLEETLINE_THING, FLEETLINE_TOKEN, FLEETLINE_DEVICE_TYPE; with --mtls FLEETLINE_CERT, FLEETLINE_KEY, FLEETLINE_CA), then run each case against what the broker sees it do, injecting the faults each needs. Prints a table and exits 0 only when every case passed or did not apply; 1 when one failed.",
    )
    .argument("[command...]", "after --: the command that starts the device")
    .addOption(
      new Option("--type <type>", "the device's type")
        .default("freestyle")
        .argParser(oneOf("--type", DEVICE_TYPES)),
    )
    .option(
      "--suite <names...>",
      "only these suites: connect, telemetry, shadow, qos1, reconnect, session, store-and-forward, limits, keepalive, jobs",
    )
    .option("--junit <file>", "also write the results as JUnit XML")
    .option("--mtls", "give the device a certificate and the mutual-TLS port, as on AWS IoT Core")
    .option("--thing <name>", "the thing to register (default conformance-<type>)")
    .option(
      "--host <address>",
      "listen on this address of the machine and give it to the device: a device on the LAN (the command is then optional)",
    )
    .addOption(
      new Option(
        "--url <url>",
        "qualify on a running fleetline dev instead of a runtime of the run's own",
      ).argParser(urlValue("--url", ["http:", "https:"], DEFAULT_URL)),
    )
    .addOption(apiTokenOption());
  examples(command, [
    ["fleetline conformance -- node devices/simulator/bin/fleetline-device.js", "the project's own device"],
    ["fleetline conformance --mtls --junit report.xml -- ./build/firmware-sim", "your firmware build, in CI"],
    ["fleetline conformance --suite connect telemetry -- python3 device.py", "two suites only"],
    ["fleetline conformance --host 192.168.1.20 --mtls", "a device on the LAN, started by hand"],
    [
      "fleetline conformance --url http://127.0.0.1:8080 -- ./build/firmware-sim",
      "on a running fleetline dev",
    ],
  ]);
  command.action(
    run(outcome, (args: string[], options: ConformanceOptions) => conformance(args, options, io)),
  );
}
