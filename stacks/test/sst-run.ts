import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "@fleetline/testing";
import { Template } from "aws-cdk-lib/assertions";
import { inject } from "vitest";
import { bootstrappedAccount } from "./bootstrapped-account.js";

/**
 * The app as SST itself builds it: the `sst` command (SST v2's own config loader, which bundles
 * `sst.config.ts` to `.sst.config.*.mjs` at the root and imports that; its esbuild path for every
 * function; its static-site build), against a bootstrapped account answered from this machine.
 *
 * Each distinct run happens once per test run, one at a time (SST writes `.sst/` and the
 * dashboard's `dist-aws/` in the repository): the files that synthesize the same app share it.
 */
export interface SstRun {
  /** The command's exit code. */
  readonly code: number;
  /** What it printed, stdout and stderr together. */
  readonly output: string;
  /** Each stack's template by its id in sst.config.ts (Storage, Ingest, …), when it synthesized. */
  readonly templates: Record<string, Template>;
  /** The AWS calls the command made that a read-only synthesis should not. */
  readonly refused: string[];
  /** The cloud assembly it wrote (`--to`): templates, and each function's bundle as an asset. */
  readonly out: string;
}

export type SstCommand = "build" | "diff --dev";

const SST = join(process.cwd(), "node_modules/sst/cli/sst.js");
const runs = () => join(process.cwd(), ".tmp", "sst-runs", inject("runId"));

/** Runs `sst <command> --stage <stage>` with these settings (undefined removes one). */
export async function sst(
  command: SstCommand,
  stage: string,
  settings: Record<string, string | undefined> = {},
): Promise<SstRun> {
  const key = createHash("sha256")
    .update(JSON.stringify([command, stage, settings]))
    .digest("hex")
    .slice(0, 16);
  const dir = join(runs(), key);
  const result = join(dir, "result.json");
  const lock = join(runs(), "lock");
  mkdirSync(runs(), { recursive: true });
  // One run at a time across the test files; a run another file made already is read back.
  await waitFor(() => existsSync(result) || take(lock), `sst ${command} --stage ${stage}`, 600_000, 100);
  if (!existsSync(result)) {
    try {
      const done = await run(command, stage, settings, join(dir, "out"));
      mkdirSync(dir, { recursive: true });
      writeFileSync(result, JSON.stringify(done));
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  const saved = JSON.parse(readFileSync(result, "utf8")) as Omit<SstRun, "templates" | "out">;
  const out = join(dir, "out");
  return { ...saved, out, templates: saved.code === 0 ? templatesIn(out) : {} };
}

function take(lock: string): boolean {
  try {
    mkdirSync(lock);
    return true;
  } catch {
    return false;
  }
}

async function run(
  command: SstCommand,
  stage: string,
  settings: Record<string, string | undefined>,
  out: string,
): Promise<Omit<SstRun, "templates" | "out">> {
  rmSync(out, { recursive: true, force: true });
  const account = await bootstrappedAccount();
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...account.env,
      SST_TELEMETRY_DISABLED: "1",
      // Nothing written outside the repository: SST's and npm's scratch files stay under .tmp.
      TMPDIR: join(process.cwd(), ".tmp", "sst"),
      npm_config_logs_dir: join(process.cwd(), ".tmp", "npm-logs"),
    };
    // Not a test to SST: vitest's NODE_ENV=test would make SST skip what a deploy does (its bootstrap).
    for (const name of ["NODE_ENV", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "FLEETLINE_TELEMETRY"])
      delete env[name];
    for (const [name, value] of Object.entries(settings))
      if (value === undefined) delete env[name];
      else env[name] = value;
    mkdirSync(env.TMPDIR as string, { recursive: true });
    const args = [SST, ...command.split(" "), "--stage", stage, "--to", out];
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    const code = await new Promise<number>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (exit) => resolve(exit ?? 1));
    });
    return { code, output, refused: [...account.refused] };
  } finally {
    await account.close();
  }
}

/** The cloud assembly's stack templates, by the id each stack has in sst.config.ts. */
function templatesIn(out: string): Record<string, Template> {
  const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as {
    artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  return Object.fromEntries(
    Object.entries(manifest.artifacts)
      .filter(([, a]) => a.type === "aws:cloudformation:stack" && a.properties?.templateFile)
      .map(([name, a]) => [
        name.split("-").at(-1) as string,
        Template.fromJSON(JSON.parse(readFileSync(join(out, a.properties?.templateFile as string), "utf8"))),
      ]),
  );
}
