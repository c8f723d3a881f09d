import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));

/** docs/architecture.md §2: each package's row, and what it may import. */
function allowedImports(): Map<string, string[]> {
  const doc = readFileSync(join(root, "docs/architecture.md"), "utf8");
  const section = doc.slice(doc.indexOf("## §2 Packages"), doc.indexOf("### Layers inside a package"));
  const rows = new Map<string, string[]>();
  for (const line of section.split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    const name = /^`([^`]+)`$/.exec(cells[1] ?? "")?.[1];
    const may = cells[3];
    if (!name || may === undefined) continue;
    rows.set(name, may === "—" ? [] : may.split(",").map((entry) => `@fleetline/${entry.trim()}`));
  }
  return rows;
}

interface Unit {
  name: string;
  dir: string;
  sources: string[];
  dependencies: string[] | undefined;
}

function sourcesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => /\.tsx?$/.test(file) && !file.split(/[\\/]/).includes("node_modules"))
    .map((file) => join(dir, file));
}

/** Every workspace package (its src/) and the stacks (stacks/ without its tests, sst.config.ts). */
function units(): Unit[] {
  const found: Unit[] = [];
  for (const parent of ["packages", "devices"]) {
    for (const entry of readdirSync(join(root, parent))) {
      const dir = join(root, parent, entry);
      const manifest = join(dir, "package.json");
      if (!existsSync(manifest)) continue;
      const pkg = JSON.parse(readFileSync(manifest, "utf8"));
      found.push({
        name: pkg.name,
        dir,
        sources: sourcesUnder(join(dir, "src")),
        dependencies: Object.keys(pkg.dependencies ?? {}).filter((d) => d.startsWith("@fleetline/")),
      });
    }
  }
  found.push({
    name: "stacks",
    dir: root,
    sources: [
      ...sourcesUnder(join(root, "stacks")).filter((file) => !file.includes(`${join("stacks", "test")}`)),
      join(root, "sst.config.ts"),
    ],
    dependencies: undefined,
  });
  return found;
}

/** Module specifiers of static imports and exports, and of dynamic `import()`. */
export function specifiers(text: string): string[] {
  return [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm)].map(
    (m) => m[1] as string,
  );
}

/** What a unit imports that its row does not allow. */
export function violations(unit: Unit, allowed: readonly string[], read: (file: string) => string): string[] {
  const found: string[] = [];
  for (const file of unit.sources) {
    for (const spec of specifiers(read(file))) {
      const where = `${relative(root, file)} imports "${spec}"`;
      if (spec.startsWith("@fleetline/")) {
        const base = spec.split("/").slice(0, 2).join("/");
        if (!allowed.includes(base) && !allowed.includes(spec)) found.push(where);
      } else if (spec.startsWith(".")) {
        const target = resolve(dirname(file), spec);
        const home = unit.name === "stacks" ? join(root, "stacks") : unit.dir;
        if (file !== join(root, "sst.config.ts") && relative(home, target).startsWith(".."))
          found.push(`${where}, outside its package`);
      }
    }
  }
  for (const dependency of unit.dependencies ?? []) {
    if (!allowed.some((a) => a === dependency || a.startsWith(`${dependency}/`)))
      found.push(`${unit.name}'s package.json depends on ${dependency}`);
  }
  return found;
}

describe("package dependencies (docs/architecture.md §2)", () => {
  const allowed = allowedImports();
  const all = units();
  const read = (file: string) => readFileSync(file, "utf8");

  it("has a row for every package, and only for packages that exist", () => {
    expect([...allowed.keys()].sort()).toEqual(all.map((u) => u.name).sort());
  });

  it("imports only what each package's row allows, and declares what it imports", () => {
    const found = all.flatMap((unit) => {
      const problems = violations(unit, allowed.get(unit.name) ?? [], read);
      if (unit.dependencies) {
        const imported = new Set(
          unit.sources.flatMap((file) =>
            specifiers(read(file))
              .filter((s) => s.startsWith("@fleetline/"))
              .map((s) => s.split("/").slice(0, 2).join("/")),
          ),
        );
        for (const base of imported)
          if (!unit.dependencies.includes(base))
            problems.push(`${unit.name} imports ${base} without declaring it in package.json`);
      }
      return problems;
    });
    expect(found).toEqual([]);
  });

  it("would catch the local runtime loading every AWS adapter, or a reach into another package", () => {
    const local = all.find((u) => u.name === "@fleetline/local") as Unit;
    const file = join(local.dir, "src", "runtime", "runtime.ts");
    const probe = { ...local, sources: [file] };
    const fake = () =>
      'import { createStoreHandler } from "@fleetline/functions";\n' +
      'const a = await import("@fleetline/simulator");\n' +
      'import { x } from "../../../functions/src/index.js";\n';
    expect(violations(probe, allowed.get("@fleetline/local") ?? [], fake)).toEqual([
      'packages/local/src/runtime/runtime.ts imports "@fleetline/functions"',
      'packages/local/src/runtime/runtime.ts imports "@fleetline/simulator"',
      'packages/local/src/runtime/runtime.ts imports "../../../functions/src/index.js", outside its package',
    ]);
  });
});

/** docs/architecture.md §2, "Layers inside a package": each folder's layers, top first. */
function layerTable(): Map<string, string[]> {
  const doc = readFileSync(join(root, "docs/architecture.md"), "utf8");
  const section = doc.slice(doc.indexOf("### Layers inside a package"), doc.indexOf("## §3"));
  const layers = new Map<string, string[]>();
  for (const line of section.split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    const folder = /^`([^`]+)`$/.exec(cells[1] ?? "")?.[1];
    if (folder && cells[2])
      layers.set(
        folder,
        cells[2].split(",").map((name) => name.trim()),
      );
  }
  return layers;
}

/** The imports of `files` that reach a folder above their own in `layers` (a folder's layer list, top first). */
export function upwardImports(
  layers: ReadonlyMap<string, readonly string[]>,
  files: readonly string[],
  read: (file: string) => string,
): string[] {
  const found: string[] = [];
  /** The layer of `file` under each layered folder that holds it: [folder, index]. */
  const placed = (file: string) =>
    [...layers].flatMap(([folder, order]) => {
      const inside = relative(join(root, folder), file);
      if (inside.startsWith("..")) return [];
      const index = order.indexOf(inside.split(/[\\/]/)[0] ?? "");
      return index < 0 ? [] : [[folder, index] as const];
    });
  for (const file of files)
    for (const spec of specifiers(read(file)).filter((s) => s.startsWith("."))) {
      const target = resolve(dirname(file), spec);
      for (const [folder, index] of placed(file)) {
        const to = placed(target).find(([f]) => f === folder);
        if (to && to[1] < index)
          found.push(`${relative(root, file)} imports "${spec}", a layer above it in ${folder}`);
      }
    }
  return found;
}

describe("layers inside a package (docs/architecture.md §2)", () => {
  const layers = layerTable();
  const read = (file: string) => readFileSync(file, "utf8");

  it("has no import that runs back up to a layer above", () => {
    expect([...layers.keys()]).toEqual(expect.arrayContaining(["packages/core/src", "packages/local/src"]));
    for (const [folder, order] of layers) {
      const folders = readdirSync(join(root, folder), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name);
      expect(folders.sort(), `${folder}'s folders are its layers`).toEqual([...order].sort());
    }
    const files = [...layers.keys()].flatMap((folder) => sourcesUnder(join(root, folder)));
    expect(upwardImports(layers, [...new Set(files)], read)).toEqual([]);
  });

  it("would catch the rules engine reaching up into the runtime", () => {
    const file = join(root, "packages/local/src/iot/rules/rules-engine.ts");
    expect(upwardImports(layers, [file], () => 'import { x } from "../../runtime/runtime.js";\n')).toEqual([
      'packages/local/src/iot/rules/rules-engine.ts imports "../../runtime/runtime.js", a layer above it in packages/local/src',
    ]);
  });
});

describe("the typecheck (npm run typecheck)", () => {
  /** The files a tsconfig's `include` takes: directories (with `*` for one segment) or files. */
  function covered(config: string): (file: string) => boolean {
    const base = dirname(config);
    const { include, exclude = [] } = JSON.parse(readFileSync(join(root, config), "utf8")) as {
      include: string[];
      exclude?: string[];
    };
    const pattern = (entry: string) =>
      new RegExp(
        `^${join(base, entry)
          .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
          .replaceAll("*", "[^/]+")}(/|$)`,
      );
    const take = include.map(pattern);
    const leave = exclude.map(pattern);
    return (file) => take.some((p) => p.test(file)) && !leave.some((p) => p.test(file));
  }

  it("covers every TypeScript file in the repository", () => {
    const configs = ["tsconfig.json", "packages/web/tsconfig.json"].map(covered);
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
        if ([".git", "node_modules", ".tmp", ".sst", ".fleetline", "dist", "dist-aws"].includes(entry.name))
          continue;
        const path = dir ? `${dir}/${entry.name}` : entry.name;
        if (entry.isDirectory()) walk(path);
        else if (/\.(ts|tsx|mts|cts)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) files.push(path);
      }
    };
    walk("");
    expect(files.length).toBeGreaterThan(300);
    expect(files.filter((file) => !configs.some((takes) => takes(file)))).toEqual([]);
  });
});
