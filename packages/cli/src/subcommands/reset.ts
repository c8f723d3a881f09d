import type { Io } from "../io.js";
import { type Definer, examples, run } from "../subcommand-kit.js";
import { EXIT, UsageError } from "../usage.js";

interface ResetOptions {
  dataDir: string;
  yes?: boolean;
}

/** `fleetline reset` (docs/guide/local-runtime.md): the data dir removed, so the next start is a first one. */
async function reset(options: ResetOptions, io: Io): Promise<number> {
  const dir = options.dataDir;
  if (!options.yes) {
    if (!io.stdinIsTTY)
      throw new UsageError(
        `there is no terminal to ask before removing ${dir} and everything in it: pass --yes (e.g. fleetline reset --yes)`,
      );
    const answer = await io.ask(
      `Remove ${dir} and everything in it — telemetry, devices and their credentials, the local CA, the streams? [y/N] `,
    );
    if (!/^y(es)?$/i.test(answer.trim())) {
      io.stderr("fleetline reset: nothing removed\n");
      return EXIT.ok;
    }
  }
  const { resetDataDir } = await import("@fleetline/local");
  try {
    const outcome = await resetDataDir(dir);
    io.stdout(outcome === "removed" ? `removed ${dir}\n` : `${dir} does not exist: nothing to remove\n`);
    return EXIT.ok;
  } catch (error) {
    io.stderr(`fleetline reset: ${(error as Error).message}\n`);
    return EXIT.invalid;
  }
}

export function defineReset({ program, io, outcome }: Definer): void {
  const command = program
    .command("reset")
    .summary("remove fleetline dev's data dir, so the next start is a first one")
    .description(
      "Remove fleetline dev's data dir and everything in it: telemetry, devices and their credentials, the local CA, the streams and checkpoints. Asks first, unless --yes; refuses while a fleetline dev runs on it.",
    )
    .option("--data-dir <dir>", "the data dir to remove", ".fleetline")
    .option("--yes", "do not ask");
  examples(command, [
    ["fleetline reset", "asks, then removes .fleetline/"],
    ["fleetline reset --data-dir /tmp/fleet --yes", "without asking"],
  ]);
  command.action(run(outcome, (options: ResetOptions) => reset(options, io)));
}
