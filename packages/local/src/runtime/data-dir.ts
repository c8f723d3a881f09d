import { constants } from "node:fs";
import { access, mkdir } from "node:fs/promises";
import { FatalError } from "@fleetline/core/common";

/** A start-up problem the user can fix, reported in one line. */
export class StartupError extends FatalError {
  override readonly name = "StartupError";
  constructor(message: string) {
    super("STARTUP_FAILED", message);
  }
}

/** Creates the data directory if needed and checks it can be written. */
export async function prepareDataDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
    throw new StartupError(`data dir ${dir} is not writable (${code}); pass --data-dir or --in-memory`);
  }
}

/** DuckDB's lock error, as the one line a user needs. */
export function describeLockError(dir: string, error: unknown): StartupError | undefined {
  const message = error instanceof Error ? error.message : String(error);
  if (!/Could not set lock|Conflicting lock/i.test(message)) return undefined;
  const pid = /PID (\d+)/.exec(message)?.[1];
  const holder = pid ? ` (PID ${pid})` : "";
  return new StartupError(
    `data dir ${dir} is in use by another running fleetline${holder}; stop it or pass another --data-dir`,
  );
}
