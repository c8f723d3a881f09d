import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LiveFleet } from "@fleetline/simulator";
import { type BenchFigure, round } from "./query-bench.js";
import { startRuntimeProcess } from "./runtime-process.js";

export interface Step {
  devices: number;
  holdS: number;
  /** The runtime's resident memory once the fleet was connected, at its highest, and at the end, MB. */
  rssMb: { connected?: number; peak?: number; end?: number };
  connectMsPerDevice: number;
  /** The fewest devices connected at any sample during the hold, and at its end. */
  minConnected: number;
  connected: number;
  sent: number;
  acked: number;
  /** Reports stored by the pipeline once the fleet stopped and the pipeline caught up. */
  stored: number;
}

const SAMPLE_MS = 5_000;

/** The steps every run takes, 20 s each; a larger one only on request (`--max-devices`). */
export const SCALE_STEPS = [1_000, 2_500, 5_000];

async function storedCount(url: string): Promise<number> {
  return ((await (await fetch(`${url}/api/stats`)).json()) as { stored: number }).stored;
}

/**
 * One step: `fleetline dev` in a process of its own (its memory measured there), and in this one
 * `devices` simulated devices reporting at 0.1 Hz through it for `holdMs`; then every acknowledged
 * report must reach the store.
 */
export async function scaleStep(devices: number, holdMs: number): Promise<Step> {
  // On disk, as `fleetline dev` keeps it: in memory, five minutes of a fleet's data is the memory.
  const dataDir = await mkdtemp(join(tmpdir(), "fleetline-scale-"));
  const runtime = await startRuntimeProcess(dataDir);
  try {
    const url = runtime.ready.http as string;
    const started = performance.now();
    const fleet = await LiveFleet.start({
      devices,
      type: "mixed",
      rateHz: 0.1,
      seed: "bench",
      faults: "none",
      prefix: "bench",
      target: { kind: "local", url },
      // Telemetry at scale, as the figures have always measured it: no jobs subscriptions.
      jobs: false,
    });
    const connectMs = performance.now() - started;
    const rss: number[] = [];
    let minConnected = fleet.summary().connected;
    const sample = async () => {
      const mb = await runtime.rssMb();
      if (mb !== undefined) rss.push(mb);
      minConnected = Math.min(minConnected, fleet.summary().connected);
    };
    await sample();
    for (let waited = 0; waited < holdMs; waited += SAMPLE_MS) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(SAMPLE_MS, holdMs - waited)));
      await sample();
    }
    const held = fleet.summary();
    const final = await fleet.stop(5_000);
    // The pipeline has caught up when every acknowledged report is stored (or it stops moving).
    let stored = await storedCount(url);
    for (let quiet = 0; stored < final.acked && quiet < 10; ) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const now = await storedCount(url);
      quiet = now === stored ? quiet + 1 : 0;
      stored = now;
    }
    return {
      devices,
      holdS: Math.round(holdMs / 1000),
      rssMb: { connected: rss[0], peak: rss.length ? Math.max(...rss) : undefined, end: rss.at(-1) },
      connectMsPerDevice: connectMs / devices,
      minConnected,
      connected: held.connected,
      sent: final.sent,
      acked: final.acked,
      stored,
    };
  } finally {
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Runs one step in a process of its own: a step that crashes it is reported, not fatal to the bench. */
function isolatedStep(devices: number, holdMs: number): Promise<Step> {
  const entry = fileURLToPath(new URL("../../bin/scale-step.js", import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [entry, String(devices), String(holdMs)],
      { maxBuffer: 1024 * 1024, timeout: holdMs + 600_000 },
      (error, stdout, stderr) => {
        const line = stdout.trim().split("\n").at(-1) ?? "";
        if (!error && line.startsWith("{")) return resolve(JSON.parse(line) as Step);
        const why = stderr.split("\n").find((l) => /Error|error/.test(l)) ?? error?.message ?? "no result";
        reject(new Error(why.trim().slice(0, 300)));
      },
    );
  });
}

function clean(step: Step): boolean {
  return step.minConnected === step.devices && step.acked === step.sent && step.stored === step.acked;
}

function describe(step: Step): string {
  const { connected, peak, end } = step.rssMb;
  return `${step.devices} devices for ${step.holdS} s: ${step.minConnected}–${step.connected} connected, ${step.acked}/${step.sent} acknowledged, ${step.stored} stored; runtime RSS ${connected ?? "?"} MB connected, ${peak ?? "?"} MB peak, ${end ?? "?"} MB at the end`;
}

/**
 * How many devices the local runtime keeps connected and reporting at 0.1 Hz each through the whole
 * pipeline: steps up to `maxDevices` (the last one held `finalHoldMs`, the others 20 s), stopping at
 * the first step that loses a connection, an acknowledgement or a stored report, or fails. The
 * runtime and the simulator each run in a process of their own. Baseline: the same at 100 devices.
 */
export async function scaleBench(
  /** The largest step, held `finalHoldMs`; without it the steps end at 5,000 devices, 20 s each. */
  requested: { maxDevices: number; finalHoldMs: number } | undefined,
  log: (line: string) => void,
): Promise<BenchFigure> {
  const hold = 20_000;
  const maxDevices = requested?.maxDevices ?? SCALE_STEPS.at(-1) ?? 5_000;
  const finalHoldMs = requested?.finalHoldMs ?? hold;
  const baseline = await isolatedStep(100, hold);
  log(`scale: ${describe(baseline)}`);
  let best = baseline;
  const failures: string[] = [];
  const steps = [...SCALE_STEPS.filter((n) => n < maxDevices), maxDevices];
  for (const devices of steps.filter((n) => n > 100)) {
    let result: Step;
    try {
      result = await isolatedStep(devices, devices === maxDevices ? finalHoldMs : hold);
    } catch (error) {
      failures.push(`${devices} devices: the step failed (${(error as Error).message})`);
      log(`scale: ${failures.at(-1)}`);
      break;
    }
    log(`scale: ${describe(result)}`);
    if (!clean(result)) {
      failures.push(describe(result));
      break;
    }
    best = result;
  }
  return {
    name: "scale: devices connected and reporting at 0.1 Hz through the whole pipeline",
    value: best.devices,
    unit: "devices",
    baseline: 100,
    ratio: round(best.devices / 100),
    detail: `${describe(best)}; connect time per device ${round(best.connectMsPerDevice)} ms vs ${round(baseline.connectMsPerDevice)} ms at 100${failures.length ? `; next step: ${failures.join("; ")}` : ""}`,
    targets: [
      {
        target: `${maxDevices.toLocaleString("en-US")} devices for ${Math.round(finalHoldMs / 1000)} s, none lost`,
        met: best.devices === maxDevices && failures.length === 0,
      },
    ],
  };
}
