import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** A run of `fleetline dev` on a data dir: written at start, removed by a clean stop. */
export interface RunMark {
  pid: number;
  startedAt: number;
}

const MARKER = "running.json";

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
