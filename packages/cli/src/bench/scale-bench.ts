import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { LiveFleet } from "@fleetline/simulator";
import { startBenchRuntime } from "./bench-runtime.js";
import { type BenchFigure, round } from "./query-bench.js";

export interface Step {
  devices: number;
  /** The process's resident memory at the end of the hold, MB. */
  rssMb: number;
  connectMsPerDevice: number;
  connected: number;
  sent: number;
  acked: number;
}

/** One step, in this process: a runtime, `devices` simulated devices held for `holdMs`. */
export async function scaleStep(devices: number, holdMs: number): Promise<Step> {
  const runtime = await startBenchRuntime();
  try {
    const started = performance.now();
    const fleet = await LiveFleet.start({
      devices,
      type: "mixed",
      rateHz: 0.1,
      seed: "bench",
      faults: "none",
      prefix: "bench",
      target: { kind: "local", url: runtime.http.url },
    });
    const connectMs = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, holdMs));
    const held = fleet.summary();
    const rssMb = Math.round(process.memoryUsage().rss / 1e6);
    const final = await fleet.stop(5_000);
    return {
      devices,
      rssMb,
      connectMsPerDevice: connectMs / devices,
      connected: held.connected,
      sent: final.sent,
      acked: final.acked,
    };
  } finally {
    await runtime.stop();
  }
}

/** Runs one step in a process of its own: a step that crashes it is reported, not fatal to the bench. */
function isolatedStep(devices: number, holdMs: number): Promise<Step> {
  const entry = fileURLToPath(new URL("../../bin/scale-step.js", import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [entry, String(devices), String(holdMs)],
      { maxBuffer: 1024 * 1024, timeout: holdMs + 300_000 },
      (error, stdout, stderr) => {
        const line = stdout.trim().split("\n").at(-1) ?? "";
        if (!error && line.startsWith("{")) return resolve(JSON.parse(line) as Step);
        const why = stderr.split("\n").find((l) => /Error|error/.test(l)) ?? error?.message ?? "no result";
        reject(new Error(why.trim().slice(0, 300)));
      },
    );
  });
}

/**
 * How many devices one simulator process keeps connected at 0.1 reports/s each against the local
 * broker (same process): steps up to `maxDevices`, stopping at the first step that loses any
 * connection or acknowledgement, or fails. Each step runs in a process of its own. Baseline: the
 * same measure at 100 devices.
 */
export async function scaleBench(maxDevices: number, log: (line: string) => void): Promise<BenchFigure> {
  const hold = 20_000;
  const baseline = await isolatedStep(100, hold);
  log(`scale: 100 devices: ${baseline.connected} connected, ${baseline.acked}/${baseline.sent} acknowledged`);
  let best = baseline;
  const failures: string[] = [];
  for (const devices of [1_000, 2_500, 5_000, 10_000].filter((n) => n <= maxDevices)) {
    let result: Step;
    try {
      result = await isolatedStep(devices, hold);
    } catch (error) {
      failures.push(`${devices} devices: the step failed (${(error as Error).message})`);
      log(`scale: ${failures.at(-1)}`);
      break;
    }
    log(
      `scale: ${devices} devices: ${result.connected} connected, ${result.acked}/${result.sent} acknowledged, RSS ${result.rssMb} MB`,
    );
    if (result.connected < devices || result.acked < result.sent) {
      failures.push(
        `${devices} devices: ${result.connected} connected, ${result.acked}/${result.sent} acknowledged`,
      );
      break;
    }
    best = result;
  }
  return {
    name: "scale: devices kept connected at 0.1 Hz by one simulator process",
    value: best.devices,
    unit: "devices",
    baseline: 100,
    ratio: round(best.devices / 100),
    detail: `connect time per device ${round(best.connectMsPerDevice)} ms at ${best.devices} vs ${round(baseline.connectMsPerDevice)} ms at 100 (×${round(best.connectMsPerDevice / baseline.connectMsPerDevice)}); RSS ${best.rssMb} MB${failures.length ? `; next step: ${failures.join("; ")}` : ""}`,
  };
}
