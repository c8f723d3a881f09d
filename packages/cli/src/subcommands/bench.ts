import { Option } from "commander";
import { BENCHES, type Bench, benchPlan, benchTable, missedTargets } from "../bench/bench-report.js";
import type { BenchFigure } from "../bench/query-bench.js";
import type { Io } from "../io.js";
import { duration, jsonOption, oneOf, positiveNumber, wholeNumber } from "../options.js";
import { type Definer, examples, run } from "../subcommand-kit.js";
import { EXIT } from "../usage.js";

interface BenchOptions {
  only?: Bench;
  maxDevices?: number;
  hold: number;
  rate: number;
  check?: boolean;
  json?: boolean;
}

/** `fleetline bench` (docs/guide/benchmarks.md): every figure beside a baseline measured in the same run. */
async function bench(options: BenchOptions, io: Io): Promise<number> {
  const chosen = options.only ? [options.only] : [...BENCHES];
  const requested =
    options.maxDevices === undefined
      ? undefined
      : { maxDevices: options.maxDevices, finalHoldMs: options.hold, rateHz: options.rate };
  io.stderr(`fleetline bench: ${benchPlan(chosen, requested)}\n`);
  const log = (line: string) => io.stderr(`${line}\n`);
  const figures: BenchFigure[] = [];
  for (const name of chosen) {
    if (name === "pipeline")
      figures.push(...(await (await import("../bench/pipeline-bench.js")).pipelineBench(log)));
    if (name === "latency")
      figures.push(...(await (await import("../bench/latency-bench.js")).latencyBench(log)));
    if (name === "validate") figures.push((await import("../bench/validate-bench.js")).validateBench());
    if (name === "bundles")
      figures.push(...(await (await import("../bench/bundles-bench.js")).bundlesBench(log)));
    if (name === "query") figures.push(await (await import("../bench/query-bench.js")).queryBench());
    if (name === "scale")
      figures.push(await (await import("../bench/scale-bench.js")).scaleBench(requested, log));
    if (name === "jobs") figures.push(...(await (await import("../bench/jobs-bench.js")).jobsBench(log)));
  }
  io.stdout(options.json ? `${JSON.stringify(figures, null, 2)}\n` : benchTable(figures));
  const missed = missedTargets(figures);
  if (missed.length > 0)
    io.stderr(`fleetline bench: ${missed.length} target(s) NOT MET: ${missed.join("; ")}\n`);
  return options.check && missed.length > 0 ? EXIT.invalid : EXIT.ok;
}

export function defineBench({ program, io, outcome }: Definer): void {
  const command = program
    .command("bench")
    .summary("benchmarks, each figure beside a baseline from the same run")
    .description(
      "Benchmarks, each figure beside a baseline measured in the same run, and each target MET or NOT MET: the pipeline against a bare broker; publish → queryable latency; validate against JSON.parse; each function's bundle size and init; the 24-hour query over 1,000,000 readings; how many simulated devices stay connected and reporting; a Jobs rollout to 1,000 robots against its rate, and 10,000 queued executions' memory. Says how long it will take before it starts.",
    )
    .addOption(new Option("--only <bench>", "run one bench").argParser(oneOf("--only", BENCHES)))
    .addOption(
      new Option(
        "--max-devices <n>",
        "the scale bench's last step, held --hold (default: steps up to 5,000, 20 s each)",
      ).argParser(wholeNumber("--max-devices", 10_000, 101)),
    )
    .addOption(
      new Option("--hold <duration>", "how long --max-devices is held")
        .default(300_000, "5m")
        .argParser(duration("--hold", "5m")),
    )
    .addOption(
      new Option("--rate <hz>", "reports per second of each device at --max-devices")
        .default(0.1)
        .argParser(positiveNumber("--rate", "1", 100)),
    )
    .option("--check", "exit 1 when a target is not met")
    .addOption(jsonOption());
  examples(command, [
    ["fleetline bench --only pipeline", "the pipeline against mosquitto, about 40 s"],
    ["fleetline bench --check --json", "every bench; exit 1 on a missed target"],
    ["fleetline bench --only scale --max-devices 10000 --hold 5m", "10,000 devices for 5 minutes"],
    [
      "fleetline bench --only scale --max-devices 10000 --hold 5m --rate 1",
      "10,000 devices reporting every second for 5 minutes",
    ],
  ]);
  command.action(run(outcome, (options: BenchOptions) => bench(options, io)));
}
