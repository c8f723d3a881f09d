import { Command } from "commander";
import type { Io } from "./io.js";
import type { Definer, Outcome } from "./subcommand-kit.js";
import { defineBench } from "./subcommands/bench.js";
import { defineCompletion } from "./subcommands/completion.js";
import { defineConformance } from "./subcommands/conformance.js";
import { defineCost } from "./subcommands/cost.js";
import { defineDev } from "./subcommands/dev.js";
import { defineDevices } from "./subcommands/devices.js";
import { defineJobs } from "./subcommands/jobs.js";
import { defineLogs } from "./subcommands/logs.js";
import { defineProvision } from "./subcommands/provision.js";
import { defineProvisioning } from "./subcommands/provisioning.js";
import { defineRedrive } from "./subcommands/redrive.js";
import { defineReplay } from "./subcommands/replay.js";
import { defineReset } from "./subcommands/reset.js";
import { defineSimulate } from "./subcommands/simulate.js";
import { defineStatus } from "./subcommands/status.js";
import { defineTail } from "./subcommands/tail.js";
import { defineValidate } from "./subcommands/validate.js";
import { VERSION } from "./version.js";

export { examplesOf, type Outcome } from "./subcommand-kit.js";

/**
 * The one definition of the `fleetline` command (docs/reference/cli.md): every subcommand, its
 * options with their defaults and environment variables, its examples. Parsing, each command's
 * `--help`, the CLI reference and shell completion all come from it.
 */
export function buildProgram(io: Io, outcome: Outcome): Command {
  const program = new Command("fleetline")
    .description(
      "IoT telemetry pipeline: local stand-ins of AWS IoT → Kinesis → Lambda, and the same functions on AWS",
    )
    .version(VERSION, "-v, --version", "print the version")
    .helpOption("-h, --help", "show help (also: fleetline <command> --help)")
    .helpCommand("help [command]", "show a command's help")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) });
  const definer: Definer = { program, io, outcome };
  for (const define of [
    defineDev,
    defineStatus,
    defineDevices,
    defineSimulate,
    defineJobs,
    defineProvisioning,
    defineTail,
    defineLogs,
    defineReplay,
    defineRedrive,
    defineValidate,
    defineConformance,
    defineProvision,
    defineCost,
    defineBench,
    defineReset,
    defineCompletion,
  ])
    define(definer);
  return program;
}
