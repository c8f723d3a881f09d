import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  ERROR_CATALOGUE,
  fleetlineError,
  httpStatusOf,
  isTransient,
  PoisonError,
  recordDisposition,
  TransientError,
} from "../src/common/index.js";
import { REJECT_REASONS } from "../src/telemetry/index.js";

const root = new URL("../../../", import.meta.url);

/** Rows of the first markdown table under `heading`: first cell → the other cells. */
function tableUnder(file: string, heading: string): Map<string, string[]> {
  const text = readFileSync(new URL(file, root), "utf8");
  const start = text.indexOf(heading);
  if (start < 0) throw new Error(`${file} has no heading ${heading}`);
  const rows = new Map<string, string[]>();
  const lines = text.slice(start).split("\n").slice(1);
  let inTable = false;
  for (const line of lines) {
    if (!line.startsWith("|")) {
      if (inTable) break;
      continue;
    }
    inTable = true;
    const [first, ...rest] = line
      .split("|")
      .slice(1, -1)
      .map((cell) => cell.trim().replace(/`/g, ""));
    if (first && rest.length > 0 && /^[A-Z0-9_]+$/.test(first)) rows.set(first, rest);
  }
  return rows;
}

/** Every source file of the packages and devices: what the code can throw or answer. */
function sources(): Array<{ file: string; text: string }> {
  const found: Array<{ file: string; text: string }> = [];
  for (const group of ["packages", "devices"]) {
    const dir = fileURLToPath(new URL(`${group}/`, root));
    for (const name of readdirSync(dir)) {
      const src = join(dir, name, "src");
      if (!existsSync(src)) continue;
      for (const file of readdirSync(src, { recursive: true, encoding: "utf8" }))
        if (file.endsWith(".ts"))
          found.push({ file: join(src, file), text: readFileSync(join(src, file), "utf8") });
    }
  }
  return found;
}

describe("the error catalogue", () => {
  it("documents every error code with its kind and HTTP status in docs/reference/errors.md, and nothing else", () => {
    const documented = tableUnder("docs/reference/errors.md", "## Error codes");
    expect(new Map([...documented].map(([code, [kind, status]]) => [code, [kind, Number(status)]]))).toEqual(
      new Map(Object.entries(ERROR_CATALOGUE).map(([code, entry]) => [code, [entry.kind, entry.status]])),
    );
  });

  it("catalogues every code the code throws or answers, with the status it is answered with", () => {
    const catalogue = tableUnder("docs/reference/errors.md", "## Error codes");
    const api = tableUnder("docs/reference/errors.md", "## API error codes");
    const thrown = new Map<string, string>();
    for (const { file, text } of sources()) {
      for (const match of text.matchAll(/fleetlineError\(\s*"([A-Z_]+)"|super\(\s*"([A-Z_]+)"/g))
        thrown.set(match[1] ?? (match[2] as string), file);
      for (const match of text.matchAll(/new HttpError\(\s*(\d+),\s*"([A-Z_]+)"/g)) {
        const [, status, code] = match as unknown as [string, string, string];
        thrown.set(code, file);
        const documented = api.get(code)?.[0] ?? catalogue.get(code)?.[1];
        expect({ code, status: documented }).toEqual({ code, status });
      }
      for (const match of text.matchAll(/error: \{ code: "([A-Z_]+)"/g)) thrown.set(match[1] as string, file);
      // The browser guard's refusals, which each port answers in its own shape.
      for (const match of text.matchAll(/return \{\s*code: "([A-Z_]+)",\s*message/g))
        thrown.set(match[1] as string, file);
    }
    expect(thrown.size).toBeGreaterThan(15);
    const missing = [...thrown].filter(([code]) => !catalogue.has(code) && !api.has(code));
    expect(missing).toEqual([]);
    for (const code of api.keys()) expect(thrown.has(code) || catalogue.has(code)).toBe(true);
  });

  it("answers server faults with 5xx: 503 for an outage worth retrying, 500 for Fleetline's own", () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      const status = httpStatusOf(fleetlineError(code as keyof typeof ERROR_CATALOGUE, "x"));
      if (entry.kind === "poison") expect(status).toBeLessThan(500);
      else if (entry.kind === "fatal") expect(status).toBe(500);
      else expect([429, 503]).toContain(status);
    }
    expect(httpStatusOf(new Error("boom"))).toBe(500);
  });

  it("decides from the kind what becomes of a record that failed", () => {
    expect(recordDisposition(fleetlineError("STORE_UNAVAILABLE", "down"))).toBe("retry");
    expect(recordDisposition(new Error("ECONNRESET"))).toBe("retry");
    expect(recordDisposition(fleetlineError("RECORD_INVALID", "not a record"))).toBe("dead-letter");
    expect(recordDisposition(fleetlineError("CONFIG_INVALID", "missing setting"))).toBe("fail-invocation");
    expect(isTransient(fleetlineError("CONCURRENT_UPDATE", "lost a race"))).toBe(true);
  });

  it("documents every reject reason in docs/reference/contract.md, and nothing else", () => {
    const documented = [...tableUnder("docs/reference/contract.md", "### Reject reasons").keys()];
    expect(documented.sort()).toEqual([...REJECT_REASONS].sort());
  });

  it("gives each error its code, kind, name and cause", () => {
    const cause = new Error("socket hang up");
    const transient = fleetlineError("STREAM_WRITE_FAILED", "3 records not put", cause);
    expect(transient).toBeInstanceOf(TransientError);
    expect(transient).toMatchObject({
      code: "STREAM_WRITE_FAILED",
      kind: "transient",
      name: "TransientError",
      cause,
    });
    const poison = fleetlineError("RECORD_INVALID", "not a telemetry record");
    expect(poison).toBeInstanceOf(PoisonError);
    expect(poison).toMatchObject({ code: "RECORD_INVALID", kind: "poison", name: "PoisonError" });
  });

  it("treats unknown errors as transient so data is never quarantined for an outage", () => {
    expect(isTransient(new Error("ECONNRESET"))).toBe(true);
    expect(isTransient(fleetlineError("THROTTLED", "slow down"))).toBe(true);
    expect(isTransient(fleetlineError("CONFLICT", "version 3 expected"))).toBe(false);
  });
});
