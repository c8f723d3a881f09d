import { describe, expect, it } from "vitest";
import { REFUSED_OFTEN, RecentRefusals } from "../src/iot/broker/refusals.js";

describe("the broker's record of recent refusals", () => {
  it("names a client refused ten times within a minute, most refused first", () => {
    const recent = new RecentRefusals();
    const start = 1_000_000;
    for (let i = 0; i < REFUSED_OFTEN.times - 1; i++) recent.note("fs-1", "throttled", "too fast", start + i);
    expect(recent.often(start + 100)).toEqual([]);
    recent.note("fs-1", "throttled", "too fast", start + 200);
    for (let i = 0; i < 20; i++) recent.note("rb-2", "bad-credentials", "stale token", start + 300 + i);
    expect(recent.often(start + 1_000)).toEqual([
      { clientId: "rb-2", count: 20, refusal: "bad-credentials", detail: "stale token" },
      { clientId: "fs-1", count: 10, refusal: "throttled", detail: "too fast" },
    ]);
  });

  it("forgets refusals over a minute old", () => {
    const recent = new RecentRefusals();
    const start = 1_000_000;
    for (let i = 0; i < 15; i++) recent.note("fs-1", "throttled", "too fast", start);
    expect(recent.often(start + 30_000)).toHaveLength(1);
    expect(recent.often(start + REFUSED_OFTEN.withinMs + 10_000)).toEqual([]);
    expect(recent.clients).toBe(0);
    // Counting starts afresh.
    for (let i = 0; i < 5; i++) recent.note("fs-1", "throttled", "too fast", start + 120_000);
    expect(recent.often(start + 120_000)).toEqual([]);
  });

  it("ignores refusals of connections without a client id", () => {
    const recent = new RecentRefusals();
    for (let i = 0; i < 20; i++) recent.note("", "bad-credentials", "no id", 1_000);
    expect(recent.clients).toBe(0);
  });

  it("stays bounded under a flood of one-off client ids, keeping the latest", () => {
    const recent = new RecentRefusals();
    for (let i = 0; i < 50_000; i++) recent.note(`flood-${i}`, "bad-credentials", "unknown", 1_000);
    for (let i = 0; i < 10; i++) recent.note("fs-1", "throttled", "too fast", 1_001);
    expect(recent.clients).toBeLessThanOrEqual(20_000);
    expect(recent.often(1_002).map((entry) => entry.clientId)).toEqual(["fs-1"]);
  });
});
