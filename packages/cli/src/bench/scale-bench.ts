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
  /** Reports per second of each device. */
  rateHz: number;
  /**
   * The runtime's resident memory once the fleet was connected, at its highest, and at the end, MB;
   * and its highest in the first and in the second half of the hold (bounded: no higher in the second).
   */
  rssMb: { connected?: number; peak?: number; end?: number; firstHalfPeak?: number; secondHalfPeak?: number };
  connectMsPerDevice: number;
  /** The fewest devices connected at any sample during the hold, and at its end. */
  minConnected: number;
  connected: number;
  sent: number;
  acked: number;
  /** Dropped by the devices' full buffers: never acknowledged, so not the pipeline's loss. */
  dropped: number;
  /** Reports stored by the pipeline once the fleet stopped and the pipeline caught up. */
  stored: number;
}

const SAMPLE_MS = 5_000;

/** Unacknowledged messages each simulated device keeps; a full buffer drops its oldest (`dropped`). */
const DEVICE_BUFFER = 120;

/** The steps every run takes, 20 s each; a larger one only on request (`--max-devices`). */
export const SCALE_STEPS = [1_000, 2_500, 5_000];

async function storedCount(url: string): Promise<number> {
  return ((await (await fetch(`${url}/api/stats`)).json()) as { stored: number }).stored;
}

/**
 * One step: `fleetline dev` in a process of its own (its memory measured there), and in this one
 * `devices` simulated devices reporting at `rateHz` (0.1 Hz by default) through it for `holdMs`; then every acknowledged
 * report must reach the store.
 */
/** The highest of each half of the samples: memory that keeps growing is higher in the second. */
function halves(rss: readonly number[]): { firstHalfPeak?: number; secondHalfPeak?: number } {
  if (rss.length < 2) return {};
  const middle = Math.ceil(rss.length / 2);
  return { firstHalfPeak: Math.max(...rss.slice(0, middle)), secondHalfPeak: Math.max(...rss.slice(middle)) };
}

export async function scaleStep(devices: number, holdMs: number, rateHz = 0.1): Promise<Step> {
  // On disk, as `fleetline dev` keeps it: in memory, five minutes of a fleet's data is the memory.
  const dataDir = await mkdtemp(join(tmpdir(), "fleetline-scale-"));
  const runtime = await startRuntimeProcess(dataDir);
  try {
    const url = runtime.ready.http as string;
    const started = performance.now();
    const fleet = await LiveFleet.start({
      devices,
      type: "mixed",
      rateHz,
      seed: "bench",
      faults: "none",
      prefix: "bench",
      target: { kind: "local", url },
      // Telemetry at scale, as the figures have always measured it: no jobs subscriptions.
      jobs: false,
      // Two minutes of reports at 1 Hz per device: past what the pipeline takes, the load
      // generator's memory stays bounded (10,000 devices × the default 10,000 would not fit).
      bufferMessages: DEVICE_BUFFER,
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
    // By the clock, not by counting samples: a load generator past what it can send runs its
    // timers late (seconds late at 10,000 devices × 1 Hz), and the hold must still end on time.
    const holdEnd = performance.now() + holdMs;
    while (performance.now() < holdEnd) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(SAMPLE_MS, holdEnd - performance.now())));
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
      rateHz,
      rssMb: {
        connected: rss[0],
        peak: rss.length ? Math.max(...rss) : undefined,
        end: rss.at(-1),
        ...halves(rss),
      },
      connectMsPerDevice: connectMs / devices,
      minConnected,
      connected: held.connected,
      sent: final.sent,
      acked: final.acked,
      dropped: final.dropped,
      stored,
    };
  } finally {
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Runs one step in a process of its own: a step that crashes it is reported, not fatal to the bench. */
function isolatedStep(devices: number, holdMs: number, rateHz = 0.1): Promise<Step> {
  const entry = fileURLToPath(new URL("../../bin/scale-step.js", import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      // The fleet's devices buffer what the runtime has not acknowledged yet (store-and-forward):
      // under overload that is the load generator's memory, given room here.
      ["--max-old-space-size=8192", entry, String(devices), String(holdMs), String(rateHz)],
      { maxBuffer: 1024 * 1024, timeout: holdMs + 600_000 },
      (error, stdout, stderr) => {
        const line = stdout.trim().split("\n").at(-1) ?? "";
        if (!error && line.startsWith("{")) return resolve(JSON.parse(line) as Step);
        const why =
          stderr.split("\n").find((l) => /Error|error|ERROR/.test(l)) ?? error?.message ?? "no result";
        reject(new Error(why.trim().slice(0, 300)));
      },
    );
  });
}

/** No device disconnected and every acknowledged report was stored: nothing lost, whatever the load. */
function lossless(step: Step): boolean {
  return step.minConnected === step.devices && step.stored >= step.acked;
}

/** Lossless, and every report acknowledged: the pipeline kept up with the fleet. */
function clean(step: Step): boolean {
  return lossless(step) && step.acked === step.sent;
}

function describe(step: Step): string {
  const { connected, peak, end, firstHalfPeak, secondHalfPeak } = step.rssMb;
  return `${step.devices} devices at ${step.rateHz} Hz for ${step.holdS} s: ${step.minConnected}–${step.connected} connected, ${step.acked}/${step.sent} acknowledged (${step.dropped} dropped by full device buffers), ${step.stored} stored; runtime RSS ${connected ?? "?"} MB connected, ${peak ?? "?"} MB peak (${firstHalfPeak ?? "?"} MB in the hold's first half, ${secondHalfPeak ?? "?"} MB in its second), ${end ?? "?"} MB at the end`;
}

/** The runtime's memory stayed bounded over the hold: no higher in its second half than 10 % over its first. */
function bounded(step: Step): boolean {
  const { firstHalfPeak, secondHalfPeak } = step.rssMb;
  return firstHalfPeak !== undefined && secondHalfPeak !== undefined && secondHalfPeak <= firstHalfPeak * 1.1;
}

/**
 * How many devices the local runtime keeps connected and reporting at 0.1 Hz each (the last step at
 * `rateHz`) through the whole
 * pipeline: steps up to `maxDevices` (the last one held `finalHoldMs`, the others 20 s), stopping at
 * the first step that loses a connection, an acknowledgement or a stored report, or fails. The
 * runtime and the simulator each run in a process of their own. Baseline: the same at 100 devices.
 */
export async function scaleBench(
  /** The largest step, held `finalHoldMs`; without it the steps end at 5,000 devices, 20 s each. */
  requested: { maxDevices: number; finalHoldMs: number; rateHz?: number } | undefined,
  log: (line: string) => void,
): Promise<BenchFigure> {
  const hold = 20_000;
  const maxDevices = requested?.maxDevices ?? SCALE_STEPS.at(-1) ?? 5_000;
  const finalHoldMs = requested?.finalHoldMs ?? hold;
  const baseline = await isolatedStep(100, hold);
  log(`scale: ${describe(baseline)}`);
  let best = baseline;
  /** The last step that ran, clean or not: its memory is the bound checked. */
  let last: Step | undefined;
  const failures: string[] = [];
  const steps = [...SCALE_STEPS.filter((n) => n < maxDevices), maxDevices];
  for (const devices of steps.filter((n) => n > 100)) {
    let result: Step;
    try {
      result =
        devices === maxDevices
          ? await isolatedStep(devices, finalHoldMs, requested?.rateHz)
          : await isolatedStep(devices, hold);
    } catch (error) {
      failures.push(`${devices} devices: the step failed (${(error as Error).message})`);
      log(`scale: ${failures.at(-1)}`);
      break;
    }
    log(`scale: ${describe(result)}`);
    last = result;
    if (!clean(result)) {
      failures.push(describe(result));
      break;
    }
    best = result;
  }
  const fleet = `${maxDevices.toLocaleString("en-US")} devices at ${requested?.rateHz ?? 0.1} Hz`;
  return {
    name: "scale: devices connected and reporting through the whole pipeline",
    value: best.devices,
    unit: "devices",
    baseline: 100,
    ratio: round(best.devices / 100),
    detail: `${describe(best)}; connect time per device ${round(best.connectMsPerDevice)} ms vs ${round(baseline.connectMsPerDevice)} ms at 100${failures.length ? `; next step: ${failures.join("; ")}` : ""}`,
    targets: [
      {
        target: `${fleet} for ${Math.round(finalHoldMs / 1000)} s, none lost (connected throughout, every acknowledged report stored)`,
        met: last?.devices === maxDevices && lossless(last),
      },
      {
        target: `${fleet}, every report acknowledged (the pipeline keeps up; otherwise PUBACKs wait or are refused, see Overload)`,
        met: best.devices === maxDevices && failures.length === 0,
      },
      ...(last
        ? [{ target: "the runtime's memory bounded over the last step's hold", met: bounded(last) }]
        : []),
    ],
  };
}
