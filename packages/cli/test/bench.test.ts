import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { API_SETTINGS, REDRIVE_SETTINGS } from "@fleetline/functions";
import { describe, expect, it } from "vitest";
import { BENCHES, benchPlan, benchTable, missedTargets } from "../src/bench/bench-report.js";
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

  it("says how long it will take, judges each target MET or NOT MET, and with --check exits 1 on a miss", () => {
    for (const args of [
      ["bench", "--only", "validate"],
      ["bench", "--only", "validate", "--check"],
    ]) {
      const result = fleetline(args);
      expect(result.err).toMatch(/^fleetline bench: validate — about 10 s on a 2-core machine\n/);
      expect(result.out).toMatch(
        /^validate: records per second, one core\n {2}[\d.]+ records\/s \(baseline [\d.]+, ratio ×[\d.]+\) — .*\n {2}(MET {4}|NOT MET) ≥ ×0\.25 of parsing alone\n$/,
      );
      const missed = result.out.includes("NOT MET");
      if (missed)
        expect(result.err).toContain(
          "fleetline bench: 1 target(s) NOT MET: validate: records per second, one core: ≥ ×0.25 of parsing alone\n",
        );
      expect(result.code).toBe(args.includes("--check") && missed ? 1 : 0);
    }
  });

  it("tables a missed target as NOT MET and lists it", () => {
    const figures = [
      {
        name: "pipeline: publish → stored",
        value: 4000,
        unit: "msg/s",
        baseline: 40000,
        ratio: 0.1,
        detail: "20,000 messages",
        targets: [{ target: "≥ ×0.5 of a bare broker", met: false }],
      },
      {
        name: "latency: publish → queryable, p99",
        value: 300,
        unit: "ms",
        baseline: 10,
        ratio: 30,
        detail: "1,000 msg/s",
        targets: [{ target: "p99 ≤ 1,000 ms", met: true }],
      },
    ];
    expect(benchTable(figures)).toBe(
      [
        "pipeline: publish → stored",
        "  4000 msg/s (baseline 40000, ratio ×0.1) — 20,000 messages",
        "  NOT MET ≥ ×0.5 of a bare broker",
        "latency: publish → queryable, p99",
        "  300 ms (baseline 10, ratio ×30) — 1,000 msg/s",
        "  MET     p99 ≤ 1,000 ms",
        "",
      ].join("\n"),
    );
    expect(missedTargets(figures)).toEqual(["pipeline: publish → stored: ≥ ×0.5 of a bare broker"]);
  });

  it("says what it will run and how long that takes, the 10,000-device step only when asked", () => {
    expect(benchPlan([...BENCHES], undefined)).toBe(
      "pipeline, latency, validate, bundles, query, scale, jobs — about 11.5 min on a 2-core machine; the scale steps stop at 5,000 devices (--max-devices 10000 --hold 5m for the long one)",
    );
    expect(benchPlan(["scale"], { maxDevices: 10_000, finalHoldMs: 300_000 })).toBe(
      "scale — about 9 min on a 2-core machine",
    );
    expect(benchPlan(["pipeline"], undefined)).toBe("pipeline — about 40 s on a 2-core machine");
  });

  it.each([
    [
      ["bench", "--only", "speed"],
      '--only must be one of pipeline, latency, validate, bundles, query, scale, jobs, got "speed" (e.g. --only pipeline)',
    ],
    [
      ["bench", "--max-devices", "lots"],
      '--max-devices must be a whole number of at least 101, got "lots" (e.g. --max-devices 10000)',
    ],
    [
      ["bench", "extra"],
      'unexpected argument "extra": fleetline bench takes none; see fleetline bench --help',
    ],
    [
      ["bench", "--hold", "5"],
      '--hold needs a unit (ms, s, m, h or d), got "5" (e.g. --hold 5s or --hold 5m)',
    ],
    [
      ["bench", "--hold", "0s"],
      '--hold must be a duration above 0 with its unit (ms, s, m, h or d), got "0s" (e.g. --hold 5m)',
    ],
  ])("refuses %j in one sentence, exit 2", (args, message) => {
    const result = fleetline(args);
    expect(result.code).toBe(2);
    expect(result.err).toBe(`fleetline bench: ${message}\n`);
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
