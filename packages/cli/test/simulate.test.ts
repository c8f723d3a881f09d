import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { FleetSummary } from "@fleetline/simulator";
import { waitFor } from "@fleetline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevProcess, fleetline, startDev } from "./dev-process.js";

const bin = fileURLToPath(new URL("../bin/fleetline.js", import.meta.url));

type Summary = FleetSummary;

/** Runs `fleetline simulate … --json` to the end and returns its summary. */
function simulate(args: string[]): Promise<{ code: number | null; summary: Summary; err: string }> {
  return new Promise((resolve) => {
    // A run that hangs must not outlive the test: Node kills it after 100 s.
    const child = spawn(process.execPath, [bin, "simulate", "--json", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 100_000,
      killSignal: "SIGKILL",
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    child.once("exit", (code) => {
      resolve({ code, summary: JSON.parse(out.trim().split("\n").at(-1) || "{}") as Summary, err });
    });
  });
}

// biome-ignore lint/suspicious/noExplicitAny: API responses are asserted field by field.
const get = async (url: string): Promise<any> => (await fetch(url)).json();

/** The pipeline's counters once everything received has gone through validate and store. */
function settled(http: string, received: number) {
  return waitFor(
    async () => {
      const stats = await get(`${http}/api/stats`);
      const through =
        stats.received >= received &&
        stats.valid + stats.rejected === stats.received &&
        stats.stored + stats.duplicates === stats.valid;
      return through ? stats : undefined;
    },
    "the pipeline to settle",
    60_000,
    250,
  );
}

/** A device's stored readings in 100 ms buckets: at 1 report/s, one point per message, and counts of 1 when nothing is doubled. */
async function points(http: string, thing: string, from: number) {
  const metric = thing.includes("-fs-") ? "co2Kpa" : "batteryPct";
  const response = await fetch(
    `${http}/api/devices/${thing}/telemetry?metric=${metric}&from=${from}&to=${Date.now()}&bucket=100ms`,
  );
  expect(response.status).toBe(200);
  return ((await response.json()) as { points: Array<{ t: number; count: number }> }).points;
}

let dev: DevProcess;

beforeAll(async () => {
  dev = await startDev(["--in-memory"]);
});

afterAll(async () => {
  await dev.stop();
});

describe("fleetline simulate against fleetline dev", () => {
  it("200 devices for 20 s: everything sent is acknowledged, valid, and stored exactly once", async () => {
    const from = Date.now();
    const before = await get(`${dev.http}/api/stats`);
    const run = await simulate([
      "--url",
      dev.http,
      "--devices",
      "200",
      "--duration",
      "20s",
      "--rate",
      "1",
      "--faults",
      "none",
      "--seed",
      "ci",
      "--prefix",
      "ci200",
    ]);
    expect(run.code).toBe(0);
    expect(run.summary).toMatchObject({ devices: 200, failed: 0, dropped: 0, invalid: 0 });
    expect(run.summary.sent).toBeGreaterThanOrEqual(200 * 18);
    expect(run.summary.acked).toBe(run.summary.sent);
    expect(run.err).toContain("simulate: 200 devices, sent");

    const stats = await settled(dev.http, before.received + run.summary.sent);
    expect({
      received: stats.received - before.received,
      rejected: stats.rejected - before.rejected,
      stored: stats.stored - before.stored,
      duplicates: stats.duplicates - before.duplicates,
    }).toEqual({ received: run.summary.sent, rejected: 0, stored: run.summary.sent, duplicates: 0 });
    let total = 0;
    const devices = (await get(`${dev.http}/api/devices`)) as Array<{ thing: string }>;
    for (const device of devices.filter((d) => d.thing.startsWith("ci200-"))) {
      const stored = await points(dev.http, device.thing, from);
      expect(stored.every((p) => p.count === 1)).toBe(true);
      total += stored.length;
    }
    expect(total).toBe(run.summary.sent);
  }, 120_000);

  it("--faults chaos: the network misbehaves through the broker's fault switches, what it sent invalid is rejected (at least once), duplicates are stored once", async () => {
    const before = await get(`${dev.http}/api/stats`);
    const run = await simulate([
      "--url",
      dev.http,
      "--devices",
      "40",
      "--duration",
      "20s",
      "--rate",
      "2",
      "--faults",
      "chaos",
      "--prefix",
      "chaos",
      "--seed",
      "ci-chaos",
    ]);
    expect(run.code).toBe(0);
    expect(run.summary.acked).toBe(run.summary.sent);
    expect(run.summary.invalid).toBeGreaterThan(0);
    // The network misbehaved too (the broker's fault switches), and nothing acknowledged was lost.
    const { drop, "lost-puback": lostPuback, "slow-link": slowLink } = run.summary.network;
    expect(drop + lostPuback + slowLink).toBeGreaterThan(0);
    expect(run.err).toMatch(/network faults: \d+ dropped, \d+ lost PUBACK, \d+ slow link \(resent \d+\)/);
    const stats = await settled(dev.http, before.received + run.summary.sent);
    // At least once: an invalid message resent after a lost connection may be rejected twice.
    const rejectedNow = stats.rejected - before.rejected;
    expect(rejectedNow).toBeGreaterThanOrEqual(run.summary.invalid);
    expect(rejectedNow).toBeLessThanOrEqual(run.summary.invalid + run.summary.resent);
    const rejected = (await get(`${dev.http}/api/rejected?limit=1000`)) as Array<{ topic: string }>;
    expect(rejected.filter((r) => r.topic.includes("/chaos-"))).toHaveLength(rejectedNow);
    // Each valid (thing, seq) is one row, however often it arrived.
    expect(stats.stored - before.stored).toBe(
      run.summary.sent - run.summary.invalid - run.summary.duplicates,
    );
    expect(stats.duplicates - before.duplicates).toBeGreaterThanOrEqual(run.summary.duplicates);
  }, 120_000);

  it("refuses bad arguments before connecting: one line, exit 2", () => {
    for (const [args, message] of [
      [["simulate", "--rate", "0"], "--rate must be"],
      [["simulate", "--faults", "lots"], "--faults must be one of none, default, chaos"],
      [["simulate", "--devices", "-3"], "--devices"],
      [["simulate", "--duration", "forever"], "--duration must be a duration"],
      [["simulate", "--target", "aws", "--endpoint", "not a host", "--certs", "/tmp"], "--endpoint"],
      [
        [
          "simulate",
          "--target",
          "aws",
          "--endpoint",
          "abc-ats.iot.eu-west-1.amazonaws.com",
          "--certs",
          "/nonexistent",
        ],
        "certificate file",
      ],
      [["provision", "--things", "2", "--out", ".tmp/certs", "--stage", "Prod"], "--stage must be"],
      [["provision", "--things", "0", "--out", ".tmp/certs"], "--things"],
      [
        ["provision", "--things", "2"],
        "--out is required (e.g. fleetline provision --stage dev --things 20 --out certs/)",
      ],
    ] as const) {
      const result = fleetline([...args]);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.err.trim().split("\n")).toHaveLength(1);
      expect(result.err).toContain(message);
    }
  });
});
