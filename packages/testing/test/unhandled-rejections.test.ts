import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const vitest = fileURLToPath(new URL("../../../node_modules/vitest/vitest.mjs", import.meta.url));
const config = fileURLToPath(new URL("fixtures/vitest.fixture.config.ts", import.meta.url));

describe("the test suite's own setup", () => {
  it("fails a test during which a promise rejection went unhandled", async () => {
    const run = promisify(execFile)(
      process.execPath,
      [vitest, "run", "--config", config, "--reporter", "default"],
      { cwd: root },
    );
    const failed = await run.then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's colour codes
    const output = (failed?.stdout ?? "").replace(/\u001b\[[0-9;]*m/g, "");
    // The test itself fails, not only the run (vitest alone would pass it and list the rejection apart).
    expect(output).toContain("× passes beside a rejection nobody handles");
    expect(output).toContain("1 failed");
  }, 60_000);
});
