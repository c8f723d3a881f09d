import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cliReference } from "../src/cli-reference.js";

describe("docs/reference/cli.md", () => {
  it("is what the CLI's definition writes (run `npm run docs:cli` after changing it)", () => {
    const committed = readFileSync(new URL("../../../docs/reference/cli.md", import.meta.url), "utf8");
    expect(committed).toBe(cliReference());
    for (const command of ["dev", "status", "tail", "reset", "devices add", "completion"])
      expect(committed).toContain(`## \`fleetline ${command}\``);
  });
});
