import { Runtime } from "@fleetline/local";
import { LiveFleet } from "@fleetline/simulator";
import { type BenchFigure, round } from "./query-bench.js";

interface Step {
  devices: number;
  connectMsPerDevice: number;
  connected: number;
  sent: number;
  acked: number;
}

async function step(devices: number, holdMs: number): Promise<Step> {
  const runtime = await Runtime.start({
    host: "127.0.0.1",
    mqttPort: 0,
    wsPort: 0,
    httpPort: 0,
    kinesisPort: 0,
    version: "bench",
  });
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
    const final = await fleet.stop(5_000);
    return {
      devices,
      connectMsPerDevice: connectMs / devices,
      connected: held.connected,
      sent: final.sent,
      acked: final.acked,
    };
  } finally {
    await runtime.stop();
  }
}

/**
 * How many devices one simulator process keeps connected at 0.1 reports/s each against the local
 * broker (same process): steps up to `maxDevices`, stopping at the first step that loses any
 * connection or acknowledgement. Baseline: the same measure at 100 devices.
 */
export async function scaleBench(maxDevices: number, log: (line: string) => void): Promise<BenchFigure> {
  const hold = 20_000;
  const baseline = await step(100, hold);
  log(`scale: 100 devices: ${baseline.connected} connected, ${baseline.acked}/${baseline.sent} acknowledged`);
  let best = baseline;
  for (const devices of [1_000, 2_500, 5_000, 10_000].filter((n) => n <= maxDevices)) {
    const result = await step(devices, hold);
    log(
      `scale: ${devices} devices: ${result.connected} connected, ${result.acked}/${result.sent} acknowledged`,
    );
    if (result.connected < devices || result.acked < result.sent) break;
    best = result;
  }
  return {
    name: "scale: devices kept connected at 0.1 Hz by one simulator process",
    value: best.devices,
    unit: "devices",
    baseline: 100,
    ratio: round(best.devices / 100),
    detail: `connect time per device ${round(best.connectMsPerDevice)} ms at ${best.devices} vs ${round(baseline.connectMsPerDevice)} ms at 100 (×${round(best.connectMsPerDevice / baseline.connectMsPerDevice)})`,
  };
}
