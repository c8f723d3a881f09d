import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cliReference } from "../src/cli-reference.js";
import { HELP } from "../src/usage.js";

describe("docs/reference/cli.md", () => {
  it("is what the help text writes (run `npm run docs:cli` after changing it)", () => {
    const committed = readFileSync(new URL("../../../docs/reference/cli.md", import.meta.url), "utf8");
    expect(committed).toBe(cliReference());
    expect(committed).toContain(HELP.split("\n")[0]);
  });
});
