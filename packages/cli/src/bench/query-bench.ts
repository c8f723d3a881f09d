import { Database, DuckDbTelemetryStore } from "@fleetline/local";

export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  baseline: number;
  /** value ÷ baseline, measured in the same run on the same machine. */
  ratio: number;
  detail: string;
  /** What the figure is held to, and whether this run met it (none: a figure to watch, not judge). */
  targets: BenchTarget[];
}

export interface BenchTarget {
  /** e.g. "≥ ×0.5 of a bare broker" */
  target: string;
  met: boolean;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

async function timeQuery(
  store: DuckDbTelemetryStore,
  thing: string,
  from: number,
): Promise<{ ms: number; points: number }> {
  // The best of three: the machine is shared, the minimum is the least disturbed.
  let best = Number.POSITIVE_INFINITY;
  let points = 0;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const series = await store.series({
      thing,
      metric: "cabinetTempC",
      from,
      to: from + DAY,
      bucketMs: MINUTE,
    });
    best = Math.min(best, performance.now() - started);
    points = series.length;
  }
  return { ms: best, points };
}

/**
 * The dashboard's heaviest query: 24 h of one device at 1-minute buckets over 1,000,000 stored
 * readings, against the same query over 10,000 readings as the baseline.
 */
export async function queryBench(): Promise<BenchFigure> {
  const db = await Database.open(":memory:");
  try {
    const store = await DuckDbTelemetryStore.open(db);
    const from = Date.parse("2026-01-01T00:00:00Z");
    for (const [thing, count] of [
      ["fs-bench-small", 10_000],
      ["fs-bench-large", 1_000_000],
    ] as const) {
      await db.run(
        `INSERT INTO readings SELECT $thing, $from + (i * $step)::BIGINT, 'cabinetTempC', 3 + random() * 2 FROM range($count) t(i)`,
        { thing, from: BigInt(from), step: DAY / count, count },
      );
    }
    const baseline = await timeQuery(store, "fs-bench-small", from);
    const large = await timeQuery(store, "fs-bench-large", from);
    return {
      name: "query: 24 h at 1-minute buckets over 1,000,000 readings",
      value: round(large.ms),
      unit: "ms",
      baseline: round(baseline.ms),
      ratio: round(large.ms / baseline.ms),
      detail: `${large.points} buckets; baseline: the same query over 10,000 readings`,
      targets: [],
    };
  } finally {
    await db.close();
  }
}

export const round = (value: number) => Math.round(value * 100) / 100;
