import { Command } from "commander";
import type { Io } from "./io.js";
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

/** Where a subcommand's action leaves its exit code (0 ok, 1 a failure it reports, 2 usage). */
export interface Outcome {
  code: number;
}

/** What every subcommand's definition gets: the parent to add itself to, and where to report. */
export interface Definer {
  program: Command;
  io: Io;
  outcome: Outcome;
}

/** Runs `work` as a subcommand's action, keeping its exit code. */
export function run<A extends unknown[]>(outcome: Outcome, work: (...args: A) => Promise<number>) {
  return async (...args: A) => {
    outcome.code = await work(...args);
  };
}

const EXAMPLES = new WeakMap<Command, readonly string[]>();

/** A subcommand's examples, as written: where a usage error finds a valid use of a flag. */
export function examplesOf(command: Command): readonly string[] {
  return EXAMPLES.get(command) ?? [];
}

/** Examples under a subcommand's help: each `$ fleetline …` line, with what it does under it. */
export function examples(command: Command, lines: Array<[string, string]>): Command {
  EXAMPLES.set(
    command,
    lines.map(([example]) => example),
  );
  return command.addHelpText(
    "after",
    `\nExamples:\n${lines.map(([example, what]) => `  $ ${example}\n      ${what}`).join("\n")}\n`,
  );
}

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
