import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** This test run's id: what the test files of one run share under .tmp (stacks/test/sst-run.ts). */
    runId: string;
  }
}

/**
 * Tests keep their scratch files under the repository's `.tmp` (gitignored), which a fresh clone
 * does not have: it is made once, before any test file runs, so no test depends on another having
 * made it first. What an earlier run shared between its files is removed.
 */
export default function setup(project: TestProject): void {
  mkdirSync(join(process.cwd(), ".tmp"), { recursive: true });
  rmSync(join(process.cwd(), ".tmp", "sst-runs"), { recursive: true, force: true });
  rmSync(join(process.cwd(), ".tmp", "web-builds"), { recursive: true, force: true });
  project.provide("runId", `${Date.now()}-${process.pid}`);
}
