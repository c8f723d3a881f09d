import { type Io, processIo } from "./io.js";
import { EXIT, HELP, UsageError } from "./usage.js";
import { VERSION } from "./version.js";

type Command = (args: string[], io: Io) => Promise<number>;

/** Loaded on demand, so `fleetline validate` does not start up the whole local runtime's code. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  dev: async () => (await import("./subcommands/dev.js")).devCommand,
  devices: async () => (await import("./subcommands/devices.js")).devicesCommand,
  simulate: async () => (await import("./subcommands/simulate.js")).simulateCommand,
  provision: async () => (await import("./subcommands/provision.js")).provisionCommand,
  bench: async () => (await import("./subcommands/bench.js")).benchCommand,
  validate: async () => (await import("./subcommands/validate.js")).validateCommand,
  cost: async () => (await import("./subcommands/cost.js")).costCommand,
  logs: async () => (await import("./subcommands/logs.js")).logsCommand,
  replay: async () => (await import("./subcommands/replay.js")).replayCommand,
  redrive: async () => (await import("./subcommands/redrive.js")).redriveCommand,
};

function isParseArgsError(error: unknown): error is Error {
  return (
    error instanceof TypeError && String((error as NodeJS.ErrnoException).code).startsWith("ERR_PARSE_ARGS")
  );
}

/** Runs `fleetline <args>` and returns the exit code; usage mistakes never print a stack trace. */
export async function main(args: string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    io.stdout(HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === "-v" || name === "--version") {
    io.stdout(`${VERSION}\n`);
    return EXIT.ok;
  }
  const load = COMMANDS[name];
  if (load === undefined) {
    io.stderr(`fleetline: unknown command "${name}" (see fleetline --help)\n`);
    return EXIT.usage;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  try {
    const command = await load();
    return await command(rest, io);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.stderr(`fleetline ${name}: ${(error.message.split("\n")[0] ?? "").split(". ")[0]}\n`);
      return EXIT.usage;
    }
    io.stderr(`fleetline ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.invalid;
  }
}
