import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Point } from "../api.js";
import { h, plural } from "../dom.js";
import { timeTicks } from "./time-ticks.js";

/** One metric over time: the bucket average as a line, min–max as a band around it. */
export class MetricChart {
  readonly element: HTMLElement;
  private readonly plot: uPlot;
  private readonly caption: HTMLElement;
  private range: [number, number] | undefined;

  constructor(readonly metric: string) {
    const holder = h("div", {});
    this.caption = h("small", { "data-points": "0" }, "no data in this range");
    this.element = h(
      "div",
      { class: "card", "data-chart": metric },
      h("h3", {}, metric),
      holder,
      this.caption,
    );
    this.plot = new uPlot(
      {
        // A phone has less than 400 px for it: the chart takes what the screen has.
        width: Math.min(400, window.innerWidth - 56),
        height: 180,
        legend: { show: false },
        scales: { x: { time: true, range: (_u, min, max) => this.range ?? [min, max] } },
        // Room on both sides, so the first and last tick labels are not cut off.
        padding: [8, 24, 0, 8],
        axes: [
          {
            space: 70,
            values: (u, splits) => timeTicks(splits, (u.scales.x?.max ?? 0) - (u.scales.x?.min ?? 0)),
          },
          { size: 56 },
        ],
        series: [
          {},
          { label: "avg", stroke: "#1a56db", width: 2 },
          { label: "min", stroke: "#1a56db55" },
          { label: "max", stroke: "#1a56db55" },
        ],
        bands: [{ series: [3, 2], fill: "#1a56db22" }],
      },
      [[], [], [], []],
      holder,
    );
  }

  /** Shows the points over the whole range asked for, however few there are. */
  update(points: Point[], range: { from: number; to: number }): void {
    this.range = [range.from / 1000, range.to / 1000];
    this.plot.setData([
      points.map((p) => p.t / 1000),
      points.map((p) => p.avg),
      points.map((p) => p.min),
      points.map((p) => p.max),
    ]);
    const readings = points.reduce((n, p) => n + p.count, 0);
    this.caption.dataset.points = String(points.length);
    this.caption.textContent =
      points.length === 0
        ? "no data in this range"
        : `${plural(points.length, "bucket")}, ${plural(readings, "reading")}`;
  }

  destroy(): void {
    this.plot.destroy();
  }
}
