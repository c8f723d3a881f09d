import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** A run of `fleetline dev` on a data dir: written at start, removed by a clean stop. */
export interface RunMark {
  pid: number;
  startedAt: number;
}

const MARKER = "running.json";

/** What `fleetline dev` keeps in a data dir: one of them makes a folder one. */
const DATA_DIR_FILES = ["fleetline.duckdb", "kinesis", "ca", MARKER];

/**
 * Marks the data dir as in use by this run and returns the previous run's mark if it is still
 * there: that run was killed, or crashed, before it could stop cleanly. Called once the data dir's
 * lock is held, so it never reads a mark another live run is keeping.
 */
export async function markRunning(dir: string, startedAt: number): Promise<RunMark | undefined> {
  const path = join(dir, MARKER);
  let previous: RunMark | undefined;
  try {
    previous = JSON.parse(await readFile(path, "utf8")) as RunMark;
  } catch {
    previous = undefined;
  }
  await writeFile(path, JSON.stringify({ pid: process.pid, startedAt } satisfies RunMark));
  return previous;
}

/** Removes this run's mark: it stopped cleanly. */
export async function markStopped(dir: string): Promise<void> {
  await rm(join(dir, MARKER), { force: true });
}

/** The run of `fleetline dev` that is on the data dir now, if one is (its mark, and its process alive). */
export async function liveRun(dir: string): Promise<RunMark | undefined> {
  let mark: RunMark;
  try {
    mark = JSON.parse(await readFile(join(dir, MARKER), "utf8")) as RunMark;
  } catch {
    return undefined;
  }
  try {
    process.kill(mark.pid, 0);
    return mark;
  } catch (error) {
    // EPERM: a process of another user's holds that PID, alive.
    return (error as NodeJS.ErrnoException).code === "EPERM" ? mark : undefined;
  }
}

/**
 * Removes the data dir and everything in it (`fleetline reset`): the streams, the stores, the
 * registry and its CA. Refuses while a `fleetline dev` runs on it.
 */
export async function resetDataDir(dir: string): Promise<"removed" | "absent"> {
  const running = await liveRun(dir);
  if (running)
    throw new Error(`fleetline dev (PID ${running.pid}) is running on ${dir}; stop it first (Ctrl-C)`);
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "absent";
    throw error;
  }
  // Only what fleetline dev made: never a folder someone pointed --data-dir at by mistake.
  if (entries.length > 0 && !entries.some((entry) => DATA_DIR_FILES.includes(entry)))
    throw new Error(`${dir} does not look like a fleetline data dir (no fleetline.duckdb); not removing it`);
  await rm(dir, { recursive: true, force: true });
  return "removed";
}
