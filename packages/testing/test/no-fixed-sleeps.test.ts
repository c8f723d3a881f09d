import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));

/** Every test file and test helper: the packages', the devices', the stacks' and the system suites'. */
function testFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === "node_modules") continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts")) found.push(path);
    }
  };
  for (const parent of ["packages", "devices"])
    for (const pkg of readdirSync(join(root, parent))) walk(join(root, parent, pkg, "test"));
  walk(join(root, "stacks", "test"));
  walk(join(root, "e2e"));
  return found;
}

/**
 * A timer that only resolves (`setTimeout(resolve, ms)`), a sleep helper or `timers/promises`:
 * the ways to wait a fixed time. A timer whose callback does something (rejects at a bound, kills a
 * process that hangs) is no sleep.
 */
const SLEEPS = [
  /setTimeout\(\s*[A-Za-z_$][\w$]*\s*,/,
  /from\s+["'](node:)?timers\/promises["']/,
  /\b(sleep|delay)\s*\(\s*[\d_]+/,
];

export function sleepsIn(text: string): string[] {
  return text
    .split("\n")
    .filter((line) => SLEEPS.some((pattern) => pattern.test(line)))
    .map((line) => line.trim());
}

describe("tests wait on conditions, never on the clock", () => {
  it("finds no fixed sleep in any test: a result is waited for with waitFor or settle, a simulated delay is hold(ms)", () => {
    const found = testFiles()
      .filter((file) => !file.endsWith("no-fixed-sleeps.test.ts"))
      .flatMap((file) =>
        sleepsIn(readFileSync(file, "utf8")).map((line) => `${relative(root, file)}: ${line}`),
      );
    expect(testFiles().length).toBeGreaterThan(100);
    expect(found).toEqual([]);
  });

  it("would catch each way of sleeping, and leave a bounding timer alone", () => {
    // The ways of sleeping live in a text file: written here, they would be sleeps in a test.
    const samples = readFileSync(new URL("./fixtures/ways-of-sleeping.txt", import.meta.url), "utf8");
    expect(sleepsIn(samples)).toHaveLength(3);
  });
});
