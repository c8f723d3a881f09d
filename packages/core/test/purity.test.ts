import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const src = fileURLToPath(new URL("../src", import.meta.url));
const forbidden =
  /from\s+["'](@aws-sdk\/|sst|aedes|mqtt|@duckdb\/|kinesalite|node:|fs|crypto)|process\.env|\bBuffer\./;

describe("packages/core", () => {
  it("imports no AWS SDK, broker, database or Node API and reads no environment", () => {
    const files = readdirSync(src, { recursive: true, encoding: "utf8" }).filter((file) =>
      file.endsWith(".ts"),
    );
    expect(files.length).toBeGreaterThan(10);
    const offenders = files.flatMap((file) =>
      readFileSync(join(src, file), "utf8")
        .split("\n")
        .map((line, index) => ({ file, line: index + 1, text: line }))
        .filter(({ text }) => forbidden.test(text)),
    );
    expect(offenders).toEqual([]);
  });
});
