import { join } from "node:path";
import type { ComponentHealth, HealthReport } from "@fleetline/core/pipeline";
import { recordKey } from "@fleetline/core/telemetry";
import { type InjectedFailures, Runtime } from "@fleetline/local";
import { hold } from "@fleetline/testing";
import mqtt from "mqtt";
import { expect } from "vitest";
import { type DevProcess, freestyleTelemetry } from "../../packages/cli/test/dev-process.js";
import { tempDir, waitFor } from "../../packages/local/test/helpers.js";
import type { FaultRow } from "./fault-report.js";
import { FleetRun, type Identity } from "./fleet-run.js";
import { doubledReadings, missing, storedIdentities } from "./stored.js";

/** The fault-injection suite's fleet, its report rows, and how a scenario runs (see fault-injection.test.ts). */
/** The report's rows, one per scenario, in the order they ran. */
export const rows: FaultRow[] = [];

export const FLEET = { devices: 10, rateHz: 5 };

export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  return (await response.json()) as T;
}

export function component(report: HealthReport, name: string): ComponentHealth {
  const found = report.components.find((c) => c.name === name);
  if (!found) throw new Error(`no component ${name} in /api/health`);
  return found;
}

/** How many of one thing's reports the broker acknowledged so far. */
export const ackedOf = (run: FleetRun, thing: string): number =>
  [...run.acked.values()].filter((identity) => identity.thing === thing).length;

/** Waits until the fleet has had `more` reports acknowledged beyond those it has now: it is reporting. */
export async function reported(run: FleetRun, more: number): Promise<void> {
  const from = run.acked.size;
  await waitFor(() => run.acked.size >= from + more, `${more} more reports acknowledged`, 60_000);
}

/** Waits until the health report's component `name` passes `check`; resolves with that component. */
export function componentWhen(
  health: () => Promise<HealthReport>,
  name: string,
  check: (found: ComponentHealth) => boolean,
  what: string,
): Promise<ComponentHealth> {
  return waitFor(
    async () => {
      const found = component(await health(), name);
      return check(found) ? found : undefined;
    },
    what,
    60_000,
  );
}

export interface Run {
  runtime: Runtime;
  run: FleetRun;
  health(): Promise<HealthReport>;
}

/** What a scenario reports: the figures of its row, and that nothing acknowledged was lost. */
export async function report(
  fault: string,
  run: FleetRun,
  sent: number,
  stored: Set<string>,
  doubled: number,
  stats: { duplicates: number; deadLettered: number },
  visibleIn: string,
): Promise<Identity[]> {
  const lost = missing(run.acked, stored);
  rows.push({
    fault,
    sent,
    acknowledged: run.acked.size,
    stored: run.acked.size - lost.length,
    duplicatesAvoided: stats.duplicates,
    deadLettered: stats.deadLettered,
    lost: lost.length,
    visibleIn,
  });
  expect(doubled).toBe(0);
  expect(stats.deadLettered).toBe(0);
  return lost;
}

/**
 * Runs the fleet against a runtime in this process (on a data dir, so the disk is real) while
 * `act` injects the fault; `act` answers where the fault showed.
 */
export async function inProcess(
  fault: string,
  options: { failures?: InjectedFailures; brokerUrl?: string },
  act: (run: Run) => Promise<string>,
  hooks: { started?: (runtime: Runtime) => Promise<void>; drained?: (run: Run) => Promise<void> } = {},
): Promise<void> {
  const dir = await tempDir("fault");
  const prefix = `ft${rows.length + 1}`;
  const runtime = await Runtime.start({
    host: "127.0.0.1",
    mqttPort: 0,
    wsPort: 0,
    httpPort: 0,
    kinesisPort: 0,
    dataDir: join(dir.path, "data"),
    version: "test",
    ...options,
  });
  try {
    await hooks.started?.(runtime);
    const run = await FleetRun.start(runtime.urls.http, { ...FLEET, seed: fault, prefix });
    const health = () => getJson<HealthReport>(`${runtime.urls.http}/api/health`);
    const visibleIn = await act({ runtime, run, health });
    const summary = await run.stop();
    const own = `${prefix}-`;
    // Everything acknowledged reaches the store, however long the retries take.
    await waitFor(
      async () => missing(run.acked, await storedIdentities(runtime.probe, own)).length === 0,
      "every acknowledged message in the store",
      60_000,
    ).catch(() => undefined);
    const stats = await getJson<{ duplicates: number; deadLettered: number }>(
      `${runtime.urls.http}/api/stats`,
    );
    const stored = await storedIdentities(runtime.probe, own);
    const doubled = await doubledReadings(runtime.probe, own);
    const lost = await report(fault, run, summary.sent, stored, doubled, stats, visibleIn);
    expect(lost).toEqual([]);
    expect(run.acked.size).toBeGreaterThan(200);
    await hooks.drained?.({ runtime, run, health });
  } finally {
    await runtime.stop();
    await dir.remove();
  }
}

export const BURST = 4_000;

/**
 * A device that publishes BURST messages at once, without waiting for any PUBACK; what the
 * broker acknowledges is added to what the run is owed.
 */
export async function burstDevice(dev: DevProcess, thing: string, run: FleetRun) {
  const response = await fetch(`${dev.http}/api/things`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ thing, type: "freestyle" }),
  });
  const { token } = (await response.json()) as { token: string };
  const client = await mqtt.connectAsync(dev.mqtt, {
    clientId: thing,
    username: thing,
    password: token,
    reconnectPeriod: 0,
  });
  client.on("error", () => undefined);
  let acked = 0;
  const t0 = Date.now() - BURST;
  for (let seq = 0; seq < BURST; seq++) {
    const ts = t0 + seq;
    client
      .publishAsync(`dt/fleetline/freestyle/${thing}/telemetry`, freestyleTelemetry(seq, ts), { qos: 1 })
      .then(
        () => {
          acked += 1;
          run.acked.set(recordKey({ thing, seq, ts }), { thing, seq, ts });
        },
        () => undefined,
      );
  }
  return { acked: () => acked, end: () => client.end(true) };
}

const REPORT_GAP_MS = 50;

/**
 * Dispensers that go through `cycles` cooling failures, each raised, commanded (maintenance) and
 * cleared: alarms on purpose, whatever the simulated fleet happens to report.
 */
export async function coolingCycles(
  url: string,
  mqttUrl: string,
  things: string[],
  cycles: number,
): Promise<void> {
  const cooling = [{ code: "COOLING_FAILURE", severity: "critical" }];
  await Promise.all(
    things.map(async (thing) => {
      const response = await fetch(`${url}/api/things`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ thing, type: "freestyle" }),
      });
      const { token } = (await response.json()) as { token: string };
      const client = await mqtt.connectAsync(mqttUrl, { clientId: thing, username: thing, password: token });
      let seq = 0;
      for (let cycle = 0; cycle < cycles; cycle++) {
        for (const faults of [cooling, [], [], []]) {
          seq += 1;
          await client.publishAsync(
            `dt/fleetline/freestyle/${thing}/telemetry`,
            freestyleTelemetry(seq, Date.now(), {}, { faults }),
            { qos: 1 },
          );
          // A cycle's reports a little apart, as a dispenser sends them.
          await hold(REPORT_GAP_MS);
        }
      }
      await client.endAsync();
    }),
  );
}
