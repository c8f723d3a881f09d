import type { BenchFigure } from "./query-bench.js";

/** Every figure with its baseline, ratio and targets, each MET or NOT MET (docs/guide/benchmarks.md). */
export function benchTable(figures: readonly BenchFigure[]): string {
  return figures
    .map((f) => {
      const targets = f.targets.map((t) => `  ${t.met ? "MET    " : "NOT MET"} ${t.target}`).join("\n");
      return `${f.name}\n  ${f.value} ${f.unit} (baseline ${f.baseline}, ratio ×${f.ratio}) — ${f.detail}${targets ? `\n${targets}` : ""}\n`;
    })
    .join("");
}

/** Each target a figure missed, as "figure: target". */
export function missedTargets(figures: readonly BenchFigure[]): string[] {
  return figures.flatMap((f) => f.targets.filter((t) => !t.met).map((t) => `${f.name}: ${t.target}`));
}

export const BENCHES = ["pipeline", "latency", "validate", "bundles", "query", "scale", "jobs"] as const;
export type Bench = (typeof BENCHES)[number];

/** How long each bench takes on a 2-core machine, roughly, to say before it starts. */
const ESTIMATED_S: Record<Bench, number> = {
  pipeline: 40,
  latency: 80,
  validate: 10,
  bundles: 25,
  query: 60,
  scale: 150,
  jobs: 330,
};

const minutes = (seconds: number) =>
  seconds < 90 ? `${Math.round(seconds)} s` : `${Math.round((seconds / 60) * 2) / 2} min`;

/**
 * What a run will do and about how long it takes, said before it starts: the scale bench's long
 * step (`--max-devices`, held `--hold`) only when asked, at roughly 10 s per 1,000 devices on top.
 */
export function benchPlan(
  chosen: readonly Bench[],
  scale: { maxDevices: number; finalHoldMs: number } | undefined,
): string {
  const seconds =
    chosen.reduce((sum, name) => sum + ESTIMATED_S[name], 0) +
    (chosen.includes("scale") && scale ? scale.finalHoldMs / 1000 + scale.maxDevices / 100 : 0);
  const note =
    chosen.includes("scale") && !scale
      ? "; the scale steps stop at 5,000 devices (--max-devices 10000 --hold 5m for the long one)"
      : "";
  return `${chosen.join(", ")} — about ${minutes(seconds)} on a 2-core machine${note}`;
}
