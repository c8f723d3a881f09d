import type { Command } from "commander";
import type { Io } from "./io.js";

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
