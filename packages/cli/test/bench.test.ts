import { describe, expect, it } from "vitest";
import { fleetline } from "./dev-process.js";

describe("fleetline bench", () => {
  it("prints every figure of a bench beside its baseline and their ratio, as JSON with --json", () => {
    const result = fleetline(["bench", "--only", "validate", "--json"]);
    expect(result.code).toBe(0);
    const [figure] = JSON.parse(result.out) as Array<{
      name: string;
      value: number;
      baseline: number;
      ratio: number;
    }>;
    expect(figure?.name).toBe("validate: records per second, one core");
    expect(figure?.value).toBeGreaterThan(0);
    expect(figure?.baseline).toBeGreaterThan(0);
    expect(figure?.ratio).toBeCloseTo((figure?.value ?? 0) / (figure?.baseline ?? 1), 1);
  });

  it.each([
    [
      ["bench", "--only", "speed"],
      "--only must be one of pipeline, latency, validate, bundles, query, scale",
    ],
    [["bench", "--max-devices", "lots"], "--max-devices"],
    [["bench", "extra"], 'unexpected argument "extra"'],
  ])("refuses %j in one line, exit 2", (args, message) => {
    const result = fleetline(args);
    expect(result.code).toBe(2);
    expect(result.err.trim().split("\n")).toHaveLength(1);
    expect(result.err).toContain(message);
  });
});
