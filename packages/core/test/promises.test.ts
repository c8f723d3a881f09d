import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../../..");
/** The rows of the table under `heading` in `page`: each promise, the test file and the test it names. */
function promisesUnder(
  page: string,
  heading: string,
): Array<{ promise: string; file: string; test: string }> {
  const readme = readFileSync(join(root, page), "utf8");
  const start = readme.indexOf(`\n${heading}\n`);
  expect(start, heading).toBeGreaterThan(0);
  const section = readme.slice(start + heading.length + 2).split(/\n#{2,4} /)[0] ?? "";
  return section
    .split("\n")
    .filter((line) => line.startsWith("| ") && !line.startsWith("| promise") && !line.startsWith("| ---"))
    .map((line) => {
      const [, promise = "", named = ""] = line.split(/\s*\|\s*/);
      const match = /^`([^`]+)` "(.+)"$/.exec(named);
      expect(match, `${page} row "${promise}" names no test as \`file\` "title"`).not.toBeNull();
      return { promise, file: match?.[1] ?? "", test: match?.[2] ?? "" };
    });
}

describe.each([
  ["docs/guide/reliability.md", "## Reliability promises and their tests"],
  ["docs/guide/security.md", "## Security promises and their tests"],
])("%s, %s", (page, heading) => {
  it("names, for every promise, a test that exists in a file the suite runs", () => {
    const rows = promisesUnder(page, heading);
    expect(rows.length).toBeGreaterThan(20);
    for (const { promise, file, test } of rows) {
      expect(existsSync(join(root, file)), `${promise}: ${file}`).toBe(true);
      expect(/\.(test|contract)\.ts$/.test(file), `${promise}: ${file} is not a test file`).toBe(true);
      expect(readFileSync(join(root, file), "utf8"), `${promise}: "${test}" in ${file}`).toContain(test);
    }
  });
});
