import { validate } from "@fleetline/core/telemetry";
import { describe, expect, it } from "vitest";
import { dryRun } from "../src/dry-run.js";
import { planFleet } from "../src/fleet.js";
import { createRandom } from "../src/random.js";

const base = {
  devices: 12,
  type: "mixed" as const,
  rateHz: 1,
  durationMs: 120_000,
  faults: "none" as const,
  prefix: "sim",
  start: Date.parse("2026-03-01T12:00:00Z"),
};

/** Judges a dry-run line exactly as the pipeline would have, received when it was sent. */
function judge(line: string) {
  const { at, topic, payload } = JSON.parse(line) as { at: number; topic: string; payload: string };
  return validate({
    payload: Buffer.from(payload).toString("base64"),
    topic,
    clientId: topic.split("/")[3],
    receivedAt: at,
    messageId: "dry-run",
  });
}

describe("the simulator", () => {
  it("is reproducible: the same seed gives byte-identical messages, another seed differs", () => {
    const a = dryRun({ ...base, seed: "alpha", faults: "chaos" }).lines.join("\n");
    const b = dryRun({ ...base, seed: "alpha", faults: "chaos" }).lines.join("\n");
    const c = dryRun({ ...base, seed: "beta", faults: "chaos" }).lines.join("\n");
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it("sends only valid telemetry under --faults none, for both kinds of device", () => {
    const { lines, counts } = dryRun({ ...base, seed: "valid", durationMs: 600_000 });
    expect(lines).toHaveLength(12 * 600);
    const verdicts = lines.map(judge);
    expect(verdicts.filter((v) => !v.ok)).toEqual([]);
    expect(counts).toMatchObject({ invalid: 0, duplicates: 0 });
    const types = new Set(verdicts.map((v) => (v.ok ? v.record.type : "")));
    expect(types).toEqual(new Set(["freestyle", "robot"]));
  });

  it("under --faults default, reports faults that are valid telemetry", () => {
    const { lines } = dryRun({
      ...base,
      seed: "faulty",
      faults: "default",
      rateHz: 0.1,
      durationMs: 48 * 3_600_000,
      devices: 6,
    });
    const verdicts = lines.map(judge);
    expect(verdicts.every((v) => v.ok)).toBe(true);
    const codes = new Set(verdicts.flatMap((v) => (v.ok ? v.record.faults.map((f) => f.code) : [])));
    expect(codes.size).toBeGreaterThan(3);
  });

  it("under --faults chaos, sends exactly as many invalid messages as it reports", () => {
    const { lines, counts } = dryRun({ ...base, seed: "chaos", faults: "chaos", durationMs: 600_000 });
    const rejected = lines.map(judge).filter((v) => !v.ok);
    expect(rejected.length).toBe(counts.invalid);
    expect(counts.invalid).toBeGreaterThan(0);
    expect(counts.duplicates).toBeGreaterThan(0);
    const reasons = new Set(rejected.map((v) => (v.ok ? "" : v.reason)));
    expect(reasons.has("TIMESTAMP_IN_FUTURE")).toBe(true);
    expect(reasons.has("MALFORMED_JSON") || reasons.has("UNKNOWN_FIELD") || reasons.has("WRONG_TYPE")).toBe(
      true,
    );
  });

  it("gives each device every seq from 0, none missing, whatever chaos reorders", () => {
    const { lines } = dryRun({ ...base, seed: "order", faults: "chaos", durationMs: 300_000 });
    const seqs = new Map<string, Set<number>>();
    for (const line of lines) {
      const { topic, payload } = JSON.parse(line) as { topic: string; payload: string };
      const seq = /"seq":(\d+)/.exec(payload)?.[1];
      if (seq === undefined) continue;
      const set = seqs.get(topic) ?? new Set();
      set.add(Number(seq));
      seqs.set(topic, set);
    }
    expect(seqs.size).toBe(12);
    for (const set of seqs.values()) expect(set.size).toBe(Math.max(...set) + 1);
  });

  it("names its devices and builds their models from the seed", () => {
    const fleet = planFleet({ devices: 3, type: "mixed", seed: "names", prefix: "lab", faults: "none" });
    expect(fleet.map((d) => d.thing)).toEqual(["lab-fs-0001", "lab-rb-0002", "lab-fs-0003"]);
    const draw = (seed: string) => {
      const random = createRandom(seed);
      return Array.from({ length: 5 }, () => random.next());
    };
    expect(draw("x")).toEqual(draw("x"));
    expect(draw("x")).not.toEqual(draw("y"));
  });

  it("obeys its shadow: maintenance mode, locked flavors and dock", () => {
    const [dispenser, robot] = planFleet({
      devices: 2,
      type: "mixed",
      seed: "obey",
      prefix: "sim",
      faults: "none",
    });
    expect(dispenser?.model.applyDesired({ mode: "maintenance", lockedFlavors: ["cola"] })).toEqual({
      mode: "maintenance",
      lockedFlavors: ["cola"],
    });
    expect(dispenser?.model.step(Date.parse("2026-03-01T12:00:00Z")).metrics.state).toBe("maintenance");
    const at = Date.parse("2026-03-01T12:00:00Z");
    robot?.model.step(at);
    expect(robot?.model.applyDesired({ command: "dock" })).toEqual({ command: "dock" });
  });
});
