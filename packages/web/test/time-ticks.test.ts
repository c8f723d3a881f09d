import { describe, expect, it } from "vitest";
import { timeTicks } from "../src/views/time-ticks.js";

const at = (iso: string) => new Date(iso).getTime() / 1000;

describe("the chart's time axis", () => {
  it("labels a short range with the time of day to the second, on one line", () => {
    expect(timeTicks([at("2026-11-29T11:48:05"), at("2026-11-29T11:49:00")], 300)).toEqual([
      "11:48:05",
      "11:49:00",
    ]);
  });

  it("labels hours with the time of day, and days with the date as well", () => {
    expect(timeTicks([at("2026-11-29T09:05:00")], 3_600)).toEqual(["09:05"]);
    expect(timeTicks([at("2026-11-29T09:05:00")], 7 * 86_400)).toEqual(["11-29 09:05"]);
  });
});
