import { type FSWatcher, watch } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { HandlerFactories } from "@fleetline/local";
import { build, type Plugin } from "esbuild";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
/** The handler factories the runtime runs (`@fleetline/functions/handlers`). */
const ENTRY = join(REPO, "packages/functions/src/handlers/index.ts");
/** Where rebuilt handlers go: under node_modules, so their dependencies resolve as the sources' do. */
const OUT_DIR = join(REPO, "node_modules/.cache/fleetline/watch");

/** What `fleetline dev --watch` watches unless given paths: the functions and the core they use. */
export const DEFAULT_WATCH_PATHS = [join(REPO, "packages/functions/src"), join(REPO, "packages/core/src")];

/**
 * The workspace's own packages are compiled into the bundle (an edit to core is picked up); every
 * other package stays an import of the one copy the runtime already loaded.
 */
const workspaceOnly: Plugin = {
  name: "workspace-only",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith("@fleetline/") || args.path.startsWith("node:")
        ? undefined
        : { path: args.path, external: true },
    );
  },
};

export interface WatcherOptions {
  paths: readonly string[];
  /** The module exporting the handler factories (default: `@fleetline/functions/handlers`' source). */
  entry?: string;
  /** Swaps the runtime's functions for the rebuilt ones (`Runtime.reloadFunctions`); throws to refuse them. */
  reload(factories: HandlerFactories): void;
  /** One line per rebuild: what changed and whether the new code serves. */
  say(line: string): void;
  debounceMs?: number;
}

/**
 * `fleetline dev --watch`: on a change under the watched paths, rebuilds the handlers (esbuild,
 * with source maps for breakpoints) and swaps them in between invocations. A build that fails, or a
 * module that cannot build its handlers, leaves the previous code serving.
 */
export class FunctionWatcher {
  private readonly watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private building: Promise<void> = Promise.resolve();
  private generation = 0;
  private previous: string | undefined;
  private changed = new Set<string>();

  constructor(private readonly options: WatcherOptions) {}

  start(): void {
    for (const path of this.options.paths) {
      const watcher = watch(path, { recursive: true }, (_event, file) => {
        if (file && !/\.(ts|js|mjs|json)$/.test(file)) return;
        this.changed.add(file ? relative(REPO, join(path, file)) : path);
        clearTimeout(this.timer);
        this.timer = setTimeout(() => {
          this.building = this.building.then(async () => {
            await this.rebuild();
          });
        }, this.options.debounceMs ?? 100);
      });
      watcher.on("error", (error) =>
        this.options.say(`fleetline dev: cannot watch ${path}: ${error.message}`),
      );
      this.watchers.push(watcher);
    }
  }

  /** Builds and swaps now; resolves when the new code serves or was refused. */
  async rebuild(): Promise<boolean> {
    const files = [...this.changed].join(", ") || "the functions";
    this.changed.clear();
    const started = performance.now();
    this.generation += 1;
    const outfile = join(OUT_DIR, `handlers-${process.pid}-${this.generation}.mjs`);
    try {
      await mkdir(OUT_DIR, { recursive: true });
      await build({
        entryPoints: [this.options.entry ?? ENTRY],
        outfile,
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node20",
        sourcemap: "inline",
        sourcesContent: false,
        logLevel: "silent",
        plugins: [workspaceOnly],
      });
    } catch (error) {
      const first = (error as { errors?: Array<{ text: string; location?: { file: string; line: number } }> })
        .errors?.[0];
      const where = first?.location ? `${first.location.file}:${first.location.line}: ` : "";
      this.options.say(
        `fleetline dev: ${files} did not build (${where}${first?.text ?? (error as Error).message}); the previous code keeps serving`,
      );
      return false;
    }
    try {
      this.options.reload((await import(pathToFileURL(outfile).href)) as HandlerFactories);
    } catch (error) {
      this.options.say(
        `fleetline dev: ${files} built but cannot start (${(error as Error).message.split("\n")[0]}); the previous code keeps serving`,
      );
      await rm(outfile, { force: true });
      return false;
    }
    if (this.previous) await rm(this.previous, { force: true });
    this.previous = outfile;
    this.options.say(
      `fleetline dev: ${files} changed; rebuilt in ${Math.round(performance.now() - started)} ms, the next invocations run the new code`,
    );
    return true;
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    for (const watcher of this.watchers) watcher.close();
    await this.building;
    if (this.previous) await rm(this.previous, { force: true });
  }
}
