import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { load } from "sst/stacks/build.js";
import { describe, expect, it } from "vitest";
import { sst } from "./sst-run.js";
import { type Props, resourcesOf, templatesOf } from "./synth.js";

const FUNCTIONS = [
  "validate",
  "store",
  "alerts",
  "sweep",
  "confirm",
  "presence",
  "provisioning-hook",
  "api",
  "redrive",
  "authorizer",
];

/** What a failed `sst build` printed, blank lines aside. */
const printed = (output: string) => output.split("\n").filter((line) => line.trim() !== "");

describe("sst build, as SST loads the app", () => {
  it("builds both telemetry targets, every function bundled through SST's esbuild", async () => {
    for (const [stage, settings] of [
      ["test", {}],
      ["legacy", { FLEETLINE_TELEMETRY: "timestream" }],
    ] as const) {
      const run = await sst("build", stage, settings);
      expect(run.code, run.output).toBe(0);
      expect(run.output).toMatch(/Built: 7 stacks/);
      expect(run.refused).toEqual([]);
      expect(Object.keys(run.templates).sort()).toEqual([
        "Alerts",
        "Api",
        "Devices",
        "Ingest",
        "Provisioning",
        "Storage",
        "Web",
      ]);
      const functions = resourcesOf("AWS::Lambda::Function", run.templates).filter((f: Props) =>
        String(f.Handler).startsWith("packages/functions/"),
      );
      expect(functions.map((f: Props) => f.Handler).sort()).toEqual(
        FUNCTIONS.map((name) => `packages/functions/src/entry-points/${name}.handler`).sort(),
      );
      // Each function's code is the bundle SST built into the cloud assembly.
      for (const fn of functions) {
        const asset = `asset.${String(fn.Code.S3Key).replace(/\.zip$/, "")}`;
        const bundle = join(run.out, asset, String(fn.Handler).replace(/\.handler$/, ".mjs"));
        expect(existsSync(bundle), `${fn.Handler}'s bundle`).toBe(true);
        // Real bundles with their dependencies (the smallest, the provisioning hook, is ~30 KB).
        expect(statSync(bundle).size).toBeGreaterThan(20_000);
        // Every function within 1 MiB (docs/guide/benchmarks.md, "Function bundles").
        expect(statSync(bundle).size, fn.Handler).toBeLessThanOrEqual(1024 * 1024);
        const code = readFileSync(bundle, "utf8");
        expect(code).toMatch(/export\s*\{[^}]*as handler/);
        // Lambda's credentials only: none of the default chain's STS and SSO clients.
        expect(code, fn.Handler).not.toMatch(/AssumeRoleWithWebIdentity|GetRoleCredentials/);
      }
    }
  }, 600_000);

  it("bundles no module that finds files from its own location into the config SST imports", async () => {
    // SST's own loader: the bundle it writes to .sst.config.*.mjs at the root, and its inputs.
    const [metafile] = await load(join(process.cwd(), "sst.config.ts"), false);
    const ours = Object.keys(metafile.inputs).filter((file) => !file.includes("node_modules/"));
    expect(ours).toContain("packages/functions/src/bundling/bundling.ts");
    for (const file of ours)
      expect(readFileSync(join(process.cwd(), file), "utf8"), file).not.toMatch(
        /import\.meta\.(url|dirname|filename)|__dirname|__filename/,
      );
  }, 120_000);

  it("synthesizes dev mode offline (sst diff --dev): live functions, one async-invoke setting each", async () => {
    const dev = await templatesOf("test", {}, "diff --dev");
    const functions = resourcesOf("AWS::Lambda::Function", dev).filter((f: Props) =>
      JSON.stringify(f.Environment ?? {}).includes("POWERTOOLS_SERVICE_NAME"),
    );
    expect(functions).toHaveLength(FUNCTIONS.length);
    for (const fn of functions) expect(fn.Handler).toBe("live-lambda.handler");
    // SST sets no retries under sst dev; the confirm and presence functions keep their dead-letter destination.
    const confirm = resourcesOf("AWS::Lambda::EventInvokeConfig", dev).filter(
      (c: Props) => c.DestinationConfig?.OnFailure,
    );
    expect(confirm).toEqual([
      expect.objectContaining({ MaximumRetryAttempts: 0 }),
      expect.objectContaining({ MaximumRetryAttempts: 0 }),
    ]);
    // SST's live-debugging bridge: iot:* on * for every stub (docs/guide/security.md, "Rights no policy can narrow to a stage").
    const statements = resourcesOf("AWS::IAM::Policy", dev).flatMap(
      (p: Props) => p.PolicyDocument.Statement as Array<{ Action: unknown; Resource: unknown }>,
    );
    expect(
      statements.filter((st) => st.Action === "iot:*" && st.Resource === "*").length,
    ).toBeGreaterThanOrEqual(FUNCTIONS.length);
  }, 600_000);

  it.each([
    ["a stage AWS would refuse", "Bad_Stage", {}, 'stage "Bad_Stage" cannot name AWS resources'],
    [
      "an unknown telemetry target",
      "odd",
      { FLEETLINE_TELEMETRY: "influx" },
      'FLEETLINE_TELEMETRY is "influx"',
    ],
    [
      "a malformed alert e-mail",
      "mail",
      { FLEETLINE_ALERT_EMAIL: "ops-at-example" },
      'FLEETLINE_ALERT_EMAIL is not an e-mail address: "ops-at-example"',
    ],
    [
      "a region that is none",
      "region",
      { AWS_REGION: "mars-1" },
      'AWS_REGION is "mars-1": not an AWS region',
    ],
  ])(
    "stops at %s with one line naming it",
    async (_what, stage, settings, message) => {
      const run = await sst("build", stage, settings);
      expect(run.code).toBe(1);
      expect(printed(run.output)).toEqual([expect.stringMatching(/^Error: /)]);
      expect(run.output).toContain(message);
      expect(run.refused).toEqual([]);
    },
    600_000,
  );
});
