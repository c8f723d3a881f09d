import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor } from "@fleetline/testing";
import { build } from "vite";
import { inject } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * The dashboard built from the sources as they stand, once per test run whichever file asks first:
 * the runtime serves packages/web/dist, and two builds into it at once would trample each other.
 */
export async function builtDashboard(): Promise<void> {
  const runs = join(process.cwd(), ".tmp", "web-builds");
  const done = join(runs, `${inject("runId")}.built`);
  const lock = join(runs, "lock");
  mkdirSync(runs, { recursive: true });
  await waitFor(
    () => {
      if (existsSync(done)) return true;
      try {
        mkdirSync(lock);
        return true;
      } catch {
        return false;
      }
    },
    "the dashboard's build",
    120_000,
    100,
  );
  if (existsSync(done)) return;
  try {
    await build({ root, logLevel: "warn" });
    writeFileSync(done, "");
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
