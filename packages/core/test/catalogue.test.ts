import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ERROR_CATALOGUE,
  fleetlineError,
  isTransient,
  PoisonError,
  REJECT_REASONS,
  TransientError,
} from "../src/index.js";

const root = new URL("../../../", import.meta.url);

/** Rows of the first markdown table under `heading`: first cell → second cell. */
function tableUnder(file: string, heading: string): Map<string, string> {
  const text = readFileSync(new URL(file, root), "utf8");
  const start = text.indexOf(heading);
  if (start < 0) throw new Error(`${file} has no heading ${heading}`);
  const rows = new Map<string, string>();
  const lines = text.slice(start).split("\n").slice(1);
  let inTable = false;
  for (const line of lines) {
    if (!line.startsWith("|")) {
      if (inTable) break;
      continue;
    }
    inTable = true;
    const [first, second] = line
      .split("|")
      .slice(1)
      .map((cell) => cell.trim().replace(/`/g, ""));
    if (first && second && !first.startsWith("-") && /^[A-Z0-9_]+$/.test(first)) rows.set(first, second);
  }
  return rows;
}

describe("the error catalogue", () => {
  it("documents every error code with its kind in docs/errors.md, and nothing else", () => {
    const documented = tableUnder("docs/errors.md", "## Error codes");
    const expected = new Map(Object.entries(ERROR_CATALOGUE).map(([code, entry]) => [code, entry.kind]));
    expect(documented).toEqual(expected);
  });

  it("documents every reject reason in the README, and nothing else", () => {
    const documented = [...tableUnder("README.md", "### Reject reasons").keys()];
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
