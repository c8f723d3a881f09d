import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FUNCTION_ESBUILD, SST_ESM_OPTIONS } from "@fleetline/functions/bundling";
import { build, type Metafile } from "esbuild";
import { type BenchFigure, round } from "./query-bench.js";

const LAMBDA_DIR = fileURLToPath(new URL("../../../functions/src/entry-points/", import.meta.url));
export const FUNCTIONS = [
  "validate",
  "store",
  "alerts",
  "confirm",
  "presence",
  "sweep",
  "api",
  "redrive",
  "authorizer",
] as const;

/** Every setting a function reads at init, as the stacks give them (values do not matter offline). */
export const ENVIRONMENT: Record<string, string> = {
  FLEETLINE_STAGE: "bench",
  FLEETLINE_VERSION: "0.0.0",
  FLEETLINE_TELEMETRY: "lake",
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "bench",
  AWS_SECRET_ACCESS_KEY: "bench",
  DEAD_LETTER_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/bench",
  RULE_ERRORS_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/bench-rule-errors",
  RAW_STREAM: "bench-raw",
  REDRIVE_FUNCTIONS: "bench-validate,bench-store",
  CONFIRM_FUNCTION: "bench-confirm",
  VALIDATED_STREAM: "bench-validated",
  QUARANTINE_TABLE: "quarantine",
  ALARMS_TABLE: "alarms",
  COMMANDS_TABLE: "commands",
  LATEST_TABLE: "latest",
  PRESENCE_TABLE: "presence",
  DELIVERY_STREAM: "bench-telemetry",
  ATHENA_WORKGROUP: "bench",
  LAKE_DATABASE: "bench",
  LAKE_TABLE: "telemetry",
  ALERTS_TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:bench",
  IOT_DATA_ENDPOINT: "example-ats.iot.us-east-1.amazonaws.com",
  DEVICE_POLICY: "bench",
  SST_APP: "fleetline",
  SST_STAGE: "bench",
  SST_Secret_value_API_TOKEN: "bench-token-0123456789",
  SST_Secret_value_API_VIEWER_TOKEN: "bench-viewer-0123456789",
  POWERTOOLS_LOG_LEVEL: "SILENT",
};

/** SST's esbuild options for an ES module function, as esbuild takes them (a mutable list). */
const SST_ESM = { ...SST_ESM_OPTIONS, mainFields: [...SST_ESM_OPTIONS.mainFields] };

/** As SST bundles a function: its esbuild options for ESM and the stacks' FUNCTION_ESBUILD; the AWS SDK included (not the runtime's). */
async function bundle(entry: string, outfile: string): Promise<Metafile> {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    ...FUNCTION_ESBUILD,
    ...SST_ESM,
    platform: "node",
    metafile: true,
    logLevel: "silent",
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
  return result.metafile;
}

/** The least time, over five fresh processes, to import a module (its init). */
function initMs(file: string): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    const out = execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`,
      ],
      { env: { ...process.env, ...ENVIRONMENT }, encoding: "utf8" },
    );
    best = Math.min(best, Number(out.trim().split("\n").at(-1)));
  }
  return best;
}

/**
 * Each Lambda function as it would be deployed: its minified bundle's size, and its module init
 * (cold start) against a bundle that imports only the same AWS SDK clients and builds one of each.
 */
export async function bundlesBench(log: (line: string) => void): Promise<BenchFigure[]> {
  const dir = await mkdtemp(join(tmpdir(), "fleetline-bundles-"));
  const figures: BenchFigure[] = [];
  try {
    for (const name of FUNCTIONS) {
      const out = join(dir, `${name}.mjs`);
      const meta = await bundle(join(LAMBDA_DIR, `${name}.ts`), out);
      const bytes = Object.values(meta.outputs)[0]?.bytes ?? 0;
      const clients = [
        ...new Set(
          Object.keys(meta.inputs)
            .map((input) => /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//.exec(input)?.[1])
            .filter((client): client is string => client !== undefined),
        ),
      ].sort();
      const baselineEntry = join(dir, `${name}-sdk.mjs`);
      await writeFile(
        baselineEntry,
        clients
          .map(
            (client, i) =>
              `import * as c${i} from "@aws-sdk/${client}";\nObject.values(c${i}).find((v) => typeof v === "function" && /Client$/.test(v.name))?.prototype;`,
          )
          .join("\n") +
          `\n${clients.map((_, i) => `{ const C = Object.entries(c${i}).find(([k]) => /Client$/.test(k) && k !== "__Client")?.[1]; if (C) new C({}); }`).join("\n")}\n`,
      );
      const baselineOut = join(dir, `${name}-sdk.bundle.mjs`);
      await build({
        entryPoints: [baselineEntry],
        outfile: baselineOut,
        bundle: true,
        minify: true,
        ...SST_ESM,
        platform: "node",
        logLevel: "silent",
        nodePaths: [fileURLToPath(new URL("../../../../node_modules", import.meta.url))],
        banner: {
          js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
        },
      });
      const init = initMs(out);
      const baseline = initMs(baselineOut);
      log(
        `bundles: ${name}: ${round(bytes / 1024)} KiB, init ${round(init)} ms vs ${round(baseline)} ms for ${clients.join(", ")}`,
      );
      figures.push({
        name: `bundles: ${name} init`,
        value: round(init),
        unit: "ms",
        baseline: round(baseline),
        ratio: round(init / baseline),
        detail: `${round(bytes / 1024)} KiB minified; baseline: a bundle of only ${clients.join(", ")}`,
        targets: [
          { target: `≤ 1,024 KiB (${round(bytes / 1024)} KiB)`, met: bytes <= 1024 * 1024 },
          { target: "init ≤ ×1.5 of its AWS clients alone", met: init / baseline <= 1.5 },
        ],
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return figures;
}
