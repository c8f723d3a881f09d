import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { EVENT_SOURCE } from "../src/pipeline/wiring.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));

/** Every file git would track that a reader follows references from: code, tests, stacks, docs. */
function files(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (["node_modules", ".git", ".tmp", "dist", "dist-aws", ".sst", ".fleetline"].includes(entry.name))
        continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|md|json|html|css)$/.test(entry.name) && entry.name !== "package-lock.json")
        found.push(path);
    }
  };
  for (const dir of ["packages", "devices", "stacks", "docs"]) walk(join(root, dir));
  found.push(
    join(root, "README.md"),
    join(root, "sst.config.ts"),
    join(root, "package.json"),
    join(root, ".ci", "run"),
  );
  return found;
}

const headings = (file: string) =>
  readFileSync(join(root, file), "utf8")
    .split("\n")
    .filter((line) => line.startsWith("#"))
    .map((line) => line.replace(/^#+\s*/, ""));

describe("references in the code and the docs", () => {
  // This file names the patterns it looks for.
  const all = files()
    .filter((path) => !path.endsWith("references.test.ts"))
    .map((path) => ({ path: relative(root, path), text: readFileSync(path, "utf8") }));

  it("cite no document outside the repository", () => {
    const outside = all.filter(({ text }) => /\bSPEC\b|shared\/SPEC|\.\.\/shared\//.test(text));
    expect(outside.map((f) => f.path)).toEqual([]);
  });

  it("cite sections of docs/*.md that exist", () => {
    const cited = all.flatMap(({ path, text }) =>
      [...text.matchAll(/docs\/([a-z/-]+)\.md §(\d)/g)].map((m) => ({
        path,
        doc: `docs/${m[1]}.md`,
        section: m[2],
      })),
    );
    expect(cited.length).toBeGreaterThan(30);
    for (const { path, doc, section } of cited) {
      expect(existsSync(join(root, doc)), `${path} cites ${doc}`).toBe(true);
      expect(
        headings(doc).some((h) => h.startsWith(`§${section} `)),
        `${path} cites ${doc} §${section}`,
      ).toBe(true);
    }
  });

  it("cite pages of docs/ and their headings that exist, and never a README heading", () => {
    const cited = all.flatMap(({ path, text }) =>
      [...text.matchAll(/\bdocs\/([a-z/-]+\.md)(?:, "([^"]+)")?/g)].map((m) => ({
        path,
        doc: `docs/${m[1]}`,
        section: m[2],
      })),
    );
    expect(cited.filter((c) => c.section !== undefined).length).toBeGreaterThan(10);
    for (const { path, doc, section } of cited) {
      expect(existsSync(join(root, doc)), `${path} cites ${doc}`).toBe(true);
      if (section !== undefined)
        expect(
          headings(doc).some((h) => h === section || h.startsWith(`${section}:`)),
          `${path} cites ${doc}, "${section}"`,
        ).toBe(true);
    }
    const readmeCitations = all
      .filter(({ path }) => !path.endsWith(".md"))
      .filter(({ text }) => /README,? \(?"/.test(text))
      .map(({ path }) => path);
    expect(readmeCitations).toEqual([]);
  });

  it("link only to files that exist, from the docs and the README", () => {
    for (const { path, text } of all.filter((f) => f.path.endsWith(".md"))) {
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target as string)) continue;
        const resolved = join(root, path, "..", target as string);
        expect(existsSync(resolved), `${path} links to ${target}`).toBe(true);
      }
    }
  });

  it("state the event-source batching EVENT_SOURCE sets, for AWS and locally", () => {
    const {
      awsBatchingWindowSeconds: aws,
      localBatchingWindowSeconds: local,
      localPollIntervalMs: poll,
    } = EVENT_SOURCE;
    expect(local).toBe(0);
    const said = (file: string) => readFileSync(join(root, file), "utf8").replace(/\s+/g, " ");
    expect(said("docs/reference/contract.md")).toContain(
      `Batching window: ${aws} s on AWS (fewer, fuller invocations); none locally, where the emulator polls each shard every ${poll} ms`,
    );
    expect(said("docs/guide/deploy.md")).toContain(
      `on AWS a ${aws} s batching window (locally none: the emulator polls each shard every ${poll} ms)`,
    );
    expect(said("docs/guide/local-runtime.md")).toContain(
      `no batching window and a ${poll} ms poll per shard`,
    );
  });
});
