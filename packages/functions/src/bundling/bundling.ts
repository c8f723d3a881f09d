import { dirname, join } from "node:path";

/**
 * zod's locales, English only: what a function's bundle needs (error messages are English), without
 * the forty-odd other languages (≈ 200 KiB). The module is served from memory, next to the zod copy
 * that asked for it: this file is bundled into the config SST loads (`.sst.config.*.mjs` at the
 * repository root), where a path found from this module's own URL would point at the root.
 */
const ENGLISH_ONLY = 'export { default as en } from "./en.js";\n';
const NAMESPACE = "zod-english-only";

/** The part of esbuild's plugin API this uses: it fits SST's esbuild and the bench's alike. */
interface ResolveBuild {
  onResolve(
    options: { filter: RegExp },
    callback: (args: {
      path: string;
      importer: string;
      resolveDir: string;
    }) => { path: string; namespace: string } | undefined,
  ): void;
  onLoad(
    options: { filter: RegExp; namespace: string },
    callback: (args: { path: string }) => { contents: string; resolveDir: string; loader: "js" },
  ): void;
}

/** Resolves zod's `locales/index.js` to the English locale alone. */
export const zodEnglishOnly = {
  name: "zod-english-only",
  setup(build: ResolveBuild): void {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes("/node_modules/zod/")
        ? { path: join(args.resolveDir, args.path), namespace: NAMESPACE }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
      contents: ENGLISH_ONLY,
      resolveDir: dirname(args.path),
      loader: "js",
    }));
  },
};

const LAMBDA_CREDENTIALS = "lambda-credentials";

/**
 * The AWS clients' default credential chain, replaced by Lambda's own: the execution role's
 * credentials, which Lambda (and `sst dev`) put in the environment — `AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`. The chain's other links (SSO, STS web identity,
 * profiles, processes, instance metadata) bring their own SDK clients (100–480 KiB) that a function
 * never uses.
 */
export const lambdaCredentialsOnly = {
  name: LAMBDA_CREDENTIALS,
  setup(build: ResolveBuild): void {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, (args) => ({
      path: join(args.resolveDir, "lambda-credentials.js"),
      namespace: LAMBDA_CREDENTIALS,
    }));
    build.onLoad({ filter: /.*/, namespace: LAMBDA_CREDENTIALS }, (args) => ({
      contents: 'export { fromEnv as defaultProvider } from "@aws-sdk/credential-provider-env";\n',
      resolveDir: dirname(args.path),
      loader: "js",
    }));
  },
};

/**
 * How every function is bundled (the stacks' default function props, and `fleetline bench bundles`):
 * minified, zod without its other languages (≈ 200 KiB), the AWS clients with Lambda's credentials
 * only (100–480 KiB).
 */
export const FUNCTION_ESBUILD = { minify: true, plugins: [zodEnglishOnly, lambdaCredentialsOnly] };

/**
 * What SST v2's own esbuild call adds for a function in ESM (`nodejs22.x` with `"type": "module"`):
 * the packages' ES module builds first (`module` before `main`), so the AWS clients' unused
 * commands are shaken out, and names kept. `fleetline bench bundles` bundles with these as SST does.
 */
export const SST_ESM_OPTIONS = {
  format: "esm",
  target: "esnext",
  mainFields: ["module", "main"],
  keepNames: true,
} as const;
