import { parseArgs } from "node:util";
import type { BenchFigure } from "../bench/query-bench.js";
import type { Io } from "../io.js";
import { EXIT, UsageError } from "../usage.js";
import { positiveInt } from "./simulate.js";

const BENCHES = ["pipeline", "latency", "validate", "bundles", "query", "scale"] as const;

/** `--hold`: how long the scale bench's largest step runs, e.g. 300s or 5m (default 5 minutes). */
function holdFlag(value: string | undefined): number {
  if (value === undefined) return 300_000;
  const match = /^(\d+)(s|m)$/.exec(value);
  if (!match || Number(match[1]) === 0)
    throw new UsageError(`--hold must be a positive duration such as 300s or 5m, got "${value}"`);
  return Number(match[1]) * (match[2] === "m" ? 60_000 : 1_000);
}

/** `fleetline bench` (docs/reference/cli.md): every figure beside a baseline measured in the same run. */
export async function benchCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      json: { type: "boolean" },
      only: { type: "string" },
      "max-devices": { type: "string" },
      hold: { type: "string" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.only !== undefined && !(BENCHES as readonly string[]).includes(values.only)) {
    throw new UsageError(`--only must be one of ${BENCHES.join(", ")}, got "${values.only}"`);
  }
  const maxDevices = positiveInt("max-devices", values["max-devices"], 10_000);
  const holdMs = holdFlag(values.hold);
  const log = (line: string) => io.stderr(`${line}\n`);
  const figures: BenchFigure[] = [];
  if (!values.only || values.only === "pipeline")
    figures.push(...(await (await import("../bench/pipeline-bench.js")).pipelineBench(log)));
  if (!values.only || values.only === "latency")
    figures.push(...(await (await import("../bench/latency-bench.js")).latencyBench(log)));
  if (!values.only || values.only === "validate")
    figures.push((await import("../bench/validate-bench.js")).validateBench());
  if (!values.only || values.only === "bundles")
    figures.push(...(await (await import("../bench/bundles-bench.js")).bundlesBench(log)));
  if (!values.only || values.only === "query")
    figures.push(await (await import("../bench/query-bench.js")).queryBench());
  if (!values.only || values.only === "scale")
    figures.push(await (await import("../bench/scale-bench.js")).scaleBench(maxDevices, holdMs, log));
  if (values.json) {
    io.stdout(`${JSON.stringify(figures, null, 2)}\n`);
  } else {
    for (const f of figures)
      io.stdout(
        `${f.name}\n  ${f.value} ${f.unit} (baseline ${f.baseline}, ratio ×${f.ratio}) — ${f.detail}\n`,
      );
  }
  return EXIT.ok;
}
