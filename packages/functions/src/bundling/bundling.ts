import { fileURLToPath } from "node:url";

const ENGLISH_ONLY = fileURLToPath(new URL("./english-only.js", import.meta.url));

/** The part of esbuild's plugin API this uses: it fits SST's esbuild and the bench's alike. */
interface ResolveBuild {
  onResolve(
    options: { filter: RegExp },
    callback: (args: { importer: string }) => { path: string } | undefined,
  ): void;
}

/** Resolves zod's `locales/index.js` to the English locale alone. */
export const zodEnglishOnly = {
  name: "zod-english-only",
  setup(build: ResolveBuild): void {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes("/node_modules/zod/") ? { path: ENGLISH_ONLY } : undefined,
    );
  },
};

/**
 * How every function is bundled (the stacks' default function props, and `fleetline bench bundles`):
 * minified, and zod without its other languages (≈ 200 KiB).
 */
export const FUNCTION_ESBUILD = { minify: true, plugins: [zodEnglishOnly] };
