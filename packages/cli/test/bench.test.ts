import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { API_SETTINGS, REDRIVE_SETTINGS } from "@fleetline/functions";
import { describe, expect, it } from "vitest";
import { ENVIRONMENT } from "../src/bench/bundles-bench.js";
import type { Step } from "../src/bench/scale-bench.js";
import { fleetline } from "./dev-process.js";

describe("fleetline bench", () => {
  it("starts each bundle with every setting its function reads, as the stacks give them", () => {
    expect(Object.keys(ENVIRONMENT)).toEqual(expect.arrayContaining([...API_SETTINGS, ...REDRIVE_SETTINGS]));
  });

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
    [["bench", "--hold", "5"], "--hold must be a positive duration such as 300s or 5m"],
    [["bench", "--hold", "0s"], "--hold must be a positive duration"],
  ])("refuses %j in one line, exit 2", (args, message) => {
    const result = fleetline(args);
    expect(result.code).toBe(2);
    expect(result.err.trim().split("\n")).toHaveLength(1);
    expect(result.err).toContain(message);
  });

  it("runs a scale step as a load test does: the runtime in a process of its own, every report stored", () => {
    const step = fileURLToPath(new URL("../bin/scale-step.js", import.meta.url));
    const out = execFileSync(process.execPath, [step, "30", "3000"], { encoding: "utf8", timeout: 90_000 });
    const result = JSON.parse(out.trim().split("\n").at(-1) as string) as Step;
    expect(result.minConnected).toBe(30);
    expect(result.sent).toBeGreaterThan(0);
    expect(result.acked).toBe(result.sent);
    expect(result.stored).toBe(result.acked);
    expect(result.rssMb.connected).toBeGreaterThan(0);
    expect(result.rssMb.peak).toBeGreaterThanOrEqual(result.rssMb.connected as number);
  }, 120_000);
});
