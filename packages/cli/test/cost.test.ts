import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { estimateCost } from "../src/cost/estimate.js";
import { fleetline } from "./dev-process.js";

const line = (estimate: ReturnType<typeof estimateCost>, service: string, item: string) =>
  estimate.lines.find((l) => l.service === service && l.item.startsWith(item))?.usd;

describe("fleetline cost", () => {
  it("matches an estimate worked by hand: 1,000 devices reporting 300 bytes a minute, on a lake stage", () => {
    const estimate = estimateCost({
      devices: 1000,
      intervalSeconds: 60,
      payloadBytes: 300,
      region: "us-east-1",
      telemetry: "lake",
    });
    // 730 h = 43,800 minutes: 43.8 million messages a month.
    // Connectivity: 1,000 × 43,800 min = 43.8 M minutes × $0.08/M.
    expect(line(estimate, "IoT Core", "connectivity")).toBe(3.5);
    // 350 bytes with the topic: one 5 KB unit each × $1.00/M.
    expect(line(estimate, "IoT Core", "messages in")).toBe(43.8);
    // One rule triggered and one action a message: $0.15/M each.
    expect(line(estimate, "IoT Core", "rules triggered")).toBe(13.14);
    // 16.7 messages/s fits the stacks' 2 shards: 2 streams × 2 shards × 730 h × $0.015.
    expect(estimate.shardsPerStream).toBe(2);
    expect(line(estimate, "Kinesis", "shard hours")).toBe(43.8);
    // One 25 KB PUT unit per record on each stream: 87.6 M × $0.014/M.
    expect(line(estimate, "Kinesis", "PUT payload units")).toBe(1.23);
    // Each shard is polled about once a second, and each poll finds a record: 2 shards × 2,628,000 s
    // = 5.256 M invocations per function, × 3 functions = 15.768 M × $0.20/M; × 0.1 s × 1 GB × $0.0000133334.
    expect(line(estimate, "Lambda", "requests")).toBe(3.15);
    expect(line(estimate, "Lambda", "compute")).toBe(21.02);
    expect(estimate.lines.some((l) => l.service === "Timestream")).toBe(false);
    const sum = estimate.lines.reduce((total, l) => total + l.usd, 0);
    expect(Math.abs(estimate.total - sum)).toBeLessThan(0.05);
  });

  it("prices Timestream instead of the lake, and more shards when a fleet outgrows two", () => {
    const timestream = estimateCost({
      devices: 1_000_000,
      intervalSeconds: 60,
      payloadBytes: 300,
      region: "us-east-1",
      telemetry: "timestream",
    });
    expect(timestream.lines.some((l) => l.service === "Firehose" || l.service === "Athena")).toBe(false);
    // 16,667 messages/s: 17 shards by record count.
    expect(timestream.shardsPerStream).toBe(17);
    // 43.8 billion messages cross both price tiers: 1 B × $1 + 4 B × $0.80 + 38.8 B × $0.70.
    expect(line(timestream, "IoT Core", "messages in")).toBe(1000 + 3200 + 27160);
  });

  it("is what the deploy guide's table shows, for 100, 10,000 and 1,000,000 devices on both targets", () => {
    const readme = readFileSync(new URL("../../../docs/guide/deploy.md", import.meta.url), "utf8");
    const totals = /\| \*\*total a month\*\* \|(.*)\|\n/
      .exec(readme)?.[1]
      ?.split("|")
      .map((cell) => cell.trim());
    const expected = (["lake", "timestream"] as const).flatMap((telemetry) =>
      [100, 10_000, 1_000_000].map((devices) => {
        const { total } = estimateCost({
          devices,
          intervalSeconds: 60,
          payloadBytes: 300,
          region: "us-east-1",
          telemetry,
        });
        return `**$${total.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}**`;
      }),
    );
    expect(totals).toEqual(expected);
  });

  it("prints the table with its assumptions and a --json form", () => {
    const table = fleetline(["cost", "--devices", "100"], "", { AWS_REGION: undefined });
    expect(table.code).toBe(0);
    // The stage's region, as sst.config.ts reads it, said when the estimate uses another's prices.
    expect(table.err).toBe(
      "fleetline cost: the stage's region is eu-west-1 (the default), which prices.json has no prices for: estimating with us-east-1's\n",
    );
    expect(fleetline(["cost", "--devices", "100"], "", { AWS_REGION: "us-east-1" }).err).toBe("");
    expect(table.out).toMatch(/^Monthly estimate: 100 devices, one 300-byte report every 60 s/);
    expect(table.out).toMatch(/\ntotal +\$[\d,.]+\n/);
    expect(table.out).toContain("Assumptions: list prices of");
    const json = fleetline([
      "cost",
      "--devices",
      "10000",
      "--interval",
      "5m",
      "--telemetry",
      "timestream",
      "--json",
    ]);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.out);
    expect(parsed.input).toEqual({
      devices: 10000,
      intervalSeconds: 300,
      payloadBytes: 300,
      region: "us-east-1",
      telemetry: "timestream",
    });
    expect(parsed.assumptions.hoursPerMonth).toBe(730);
  });

  it.each([
    [["cost"], "--devices is required (e.g. fleetline cost --devices 1000); see fleetline cost --help"],
    [
      ["cost", "--devices", "0"],
      '--devices must be a whole number of at least 1, got "0" (e.g. --devices 1000)',
    ],
    [
      ["cost", "--devices", "-5"],
      '--devices must be a whole number of at least 1, got "-5" (e.g. --devices 1000)',
    ],
    [
      ["cost", "--devices", "ten"],
      '--devices must be a whole number of at least 1, got "ten" (e.g. --devices 1000)',
    ],
    [
      ["cost", "--devices", "10.5"],
      '--devices must be a whole number of at least 1, got "10.5" (e.g. --devices 1000)',
    ],
    [
      ["cost", "--devices", "10", "--interval", "0s"],
      '--interval must be a duration above 0 with its unit (ms, s, m, h or d), got "0s" (e.g. --interval 60s)',
    ],
    [
      ["cost", "--devices", "10", "--interval", "soon"],
      '--interval must be a duration above 0 with its unit (ms, s, m, h or d), got "soon" (e.g. --interval 60s)',
    ],
    [
      ["cost", "--devices", "10", "--interval", "60"],
      '--interval needs a unit (ms, s, m, h or d), got "60" (e.g. --interval 60s)',
    ],
    [
      ["cost", "--devices", "10", "--payload-bytes", "-1"],
      '--payload-bytes must be a whole number of at least 1, got "-1" (e.g. --payload-bytes 300)',
    ],
    [
      ["cost", "--devices", "10", "--payload-bytes", "200000"],
      "--payload-bytes is at most 131072 (AWS IoT Core's 128 KB message limit), got 200000 (e.g. --payload-bytes 300)",
    ],
    [
      ["cost", "--devices", "10", "--telemetry", "influx"],
      '--telemetry must be one of lake, timestream, got "influx" (e.g. --telemetry lake)',
    ],
    [
      ["cost", "--devices", "10", "--region", "mars-1"],
      '--region: no prices for "mars-1"; prices.json has us-east-1 (e.g. --region us-east-1)',
    ],
  ])("refuses %j in one sentence naming the flag and a valid use, exit 2", (args, message) => {
    const result = fleetline(args);
    expect(result.code).toBe(2);
    expect(result.err).toBe(`fleetline cost: ${message}\n`);
  });
});
