import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { encodeBase64 } from "@fleetline/core/common";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { FUNCTION_ESBUILD } from "../src/bundling/bundling.js";

const src = fileURLToPath(new URL("../src/", import.meta.url));
const options = {
  bundle: true,
  platform: "node",
  target: "node22",
  format: "esm",
  metafile: true,
  logLevel: "silent",
} as const;

describe("the functions' bundles (the stacks' FUNCTION_ESBUILD)", () => {
  it("keep a stream function under 1 MiB, zod's other languages left out", async () => {
    const dir = await mkdtemp(join(process.cwd(), ".tmp", "bundle-"));
    try {
      const trimmed = await build({
        ...options,
        ...FUNCTION_ESBUILD,
        entryPoints: [join(src, "entry-points/validate.ts")],
        outfile: join(dir, "a.mjs"),
      });
      const whole = await build({
        ...options,
        minify: true,
        entryPoints: [join(src, "entry-points/validate.ts")],
        outfile: join(dir, "b.mjs"),
      });
      const bytes = (meta: typeof trimmed.metafile) => Object.values(meta.outputs)[0]?.bytes ?? 0;
      expect(bytes(trimmed.metafile)).toBeLessThan(1024 * 1024);
      expect(bytes(whole.metafile) - bytes(trimmed.metafile)).toBeGreaterThan(100 * 1024);
      // Files read from disk; the English-only index is served from memory, in a namespace of its own.
      const files = Object.keys(trimmed.metafile.inputs).filter((f) => !/^[\w-]+:/.test(f));
      expect(files.some((f) => f.endsWith("zod/v4/locales/en.js"))).toBe(true);
      expect(files.filter((f) => /zod\/v4\/locales\/(?!en\.js)/.test(f))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("still judge a payload with English details", async () => {
    const dir = await mkdtemp(join(process.cwd(), ".tmp", "bundle-"));
    try {
      const entry = join(dir, "entry.ts");
      await writeFile(
        entry,
        `export { validate } from ${JSON.stringify(join(src, "../../core/src/telemetry/validate.ts"))};\n`,
      );
      await build({
        ...options,
        ...FUNCTION_ESBUILD,
        entryPoints: [entry],
        outfile: join(dir, "validate.mjs"),
      });
      const { validate } = (await import(
        pathToFileURL(join(dir, "validate.mjs")).href
      )) as typeof import("@fleetline/core/telemetry");
      const payload = {
        v: 1,
        seq: 1,
        ts: Date.now(),
        metrics: { cabinetTempC: "cold", co2Kpa: 1, waterKpa: 1, pours: 1, cartridges: {}, state: "idle" },
      };
      const verdict = validate({
        payload: encodeBase64(new TextEncoder().encode(JSON.stringify(payload))),
        topic: "dt/fleetline/freestyle/fs-b/telemetry",
        clientId: "fs-b",
        receivedAt: Date.now(),
        messageId: "m",
      });
      expect(verdict).toMatchObject({
        ok: false,
        reason: "WRONG_TYPE",
        detail: expect.stringMatching(/expected number/i),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("give the AWS clients Lambda's credentials from the environment, without the default chain's SSO and STS clients", async () => {
    const dir = await mkdtemp(join(process.cwd(), ".tmp", "bundle-"));
    try {
      const entry = join(dir, "entry.ts");
      await writeFile(
        entry,
        'import { DynamoDBClient } from "@aws-sdk/client-dynamodb";\nexport const credentials = () => new DynamoDBClient({ region: "us-east-1" }).config.credentials();\n',
      );
      const result = await build({
        ...options,
        ...FUNCTION_ESBUILD,
        entryPoints: [entry],
        outfile: join(dir, "client.mjs"),
        nodePaths: [fileURLToPath(new URL("../../../node_modules", import.meta.url))],
        banner: {
          js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
        },
      });
      const inputs = Object.keys(result.metafile.inputs);
      expect(inputs.some((f) => f.includes("/credential-provider-env/"))).toBe(true);
      expect(
        inputs.filter((f) =>
          /credential-provider-(node|sso|ini|web-identity|process)\/|client-sts\/|nested-clients\//.test(f),
        ),
      ).toEqual([]);
      // As Lambda sets them for the execution role.
      const saved = { ...process.env };
      Object.assign(process.env, {
        AWS_ACCESS_KEY_ID: "ASIAROLE",
        AWS_SECRET_ACCESS_KEY: "role-secret",
        AWS_SESSION_TOKEN: "role-session",
      });
      try {
        const { credentials } = (await import(pathToFileURL(join(dir, "client.mjs")).href)) as {
          credentials: () => Promise<Record<string, unknown>>;
        };
        expect(await credentials()).toMatchObject({
          accessKeyId: "ASIAROLE",
          secretAccessKey: "role-secret",
          sessionToken: "role-session",
        });
      } finally {
        for (const key of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"])
          if (saved[key] === undefined) delete process.env[key];
          else process.env[key] = saved[key];
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
