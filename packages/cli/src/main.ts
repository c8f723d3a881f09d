import { type Command, CommanderError } from "commander";
import { type Io, processIo } from "./io.js";
import { buildProgram, examplesOf, type Outcome } from "./program.js";
import { EXIT, UsageError } from "./usage.js";

/** An example of the command that uses `flag`, for a message about it. */
function exampleWith(command: Command, flag: string): string {
  const example = examplesOf(command).find((line) => line.split(" ").includes(flag));
  return example ? ` (e.g. ${example})` : "";
}

/**
 * Commander's own errors, as the one line every usage error is: what was wrong, a valid example
 * where there is one, and where help is.
 */
function oneLine(text: string, name: string, command: Command): string {
  const said = text
    .replace(/^error: /, "")
    .trim()
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => line.replace(/^\(Did you mean/, "(did you mean"))
    .join(" ");
  const missing = /^required option '(--[\w-]+)[^']*' not specified/.exec(said);
  const excess = /^too many arguments/.test(said)
    ? command.args.slice(command.registeredArguments.length)
    : undefined;
  const argument = /^missing required argument '([\w-]+)'/.exec(said);
  const first = examplesOf(command)[0];
  const sentence = missing
    ? `${missing[1]} is required${exampleWith(command, missing[1] as string)}`
    : argument
      ? `the ${argument[1]} argument is required${first ? ` (e.g. ${first})` : ""}`
      : excess
        ? `unexpected argument${excess.length === 1 ? "" : "s"} ${excess.map((a) => `"${a}"`).join(" ")}: ${name} takes ${command.registeredArguments.length === 0 ? "none" : `at most ${command.registeredArguments.length} argument${command.registeredArguments.length === 1 ? "" : "s"}`}`
        : said.replace(/\.$/, "");
  return `${name}: ${sentence}; see ${name} --help\n`;
}

/** The subcommand the arguments name, for messages: `fleetline devices add`, or `fleetline`. */
function commandOf(args: readonly string[], known: ReadonlySet<string>): string {
  const names = ["fleetline"];
  for (const arg of args) {
    if (arg.startsWith("-") || !known.has(arg)) break;
    names.push(arg);
  }
  return names.join(" ");
}

/**
 * Runs `fleetline <args>` and returns the exit code: 0 ok, 1 a failure the command reported, 2 a
 * usage error — one line on stderr, never a stack trace.
 */
export async function main(args: string[], io: Io = processIo()): Promise<number> {
  const outcome: Outcome = { code: EXIT.ok };
  const program = buildProgram(io, outcome);
  const known = new Set(
    program.commands.flatMap((command) => [command.name(), ...command.commands.map((sub) => sub.name())]),
  );
  const command = commandOf(args, known);
  program.configureOutput({
    writeOut: (text) => io.stdout(text),
    writeErr: (text) => io.stderr(text),
    outputError: (text, write) => write(oneLine(text, command, program)),
  });
  for (const sub of program.commands)
    for (const nested of [sub, ...sub.commands])
      nested.configureOutput({
        writeOut: (text) => io.stdout(text),
        writeErr: (text) => io.stderr(text),
        outputError: (text, write) => write(oneLine(text, command, nested)),
      });
  if (args.length === 0) {
    io.stdout(program.helpInformation());
    return EXIT.usage;
  }
  try {
    await program.parseAsync(args, { from: "user" });
    return outcome.code;
  } catch (error) {
    if (error instanceof CommanderError)
      return ["commander.helpDisplayed", "commander.version"].includes(error.code)
        ? EXIT.ok
        : // `fleetline devices` alone shows its help, and is still a usage mistake.
          EXIT.usage;
    if (error instanceof UsageError) {
      io.stderr(`${command}: ${error.message}\n`);
      return EXIT.usage;
    }
    io.stderr(`${command}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.invalid;
  }
}
