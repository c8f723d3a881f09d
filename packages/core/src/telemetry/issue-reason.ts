import type { z } from "zod";
import type { RejectReason } from "./reasons.js";

type Path = readonly PropertyKey[];

function valueAt(root: unknown, path: Path): unknown {
  let current = root;
  for (const key of path) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** `["metrics", "cartridges", "cola"]` → `metrics.cartridges.cola`; `["faults", 2]` → `faults[2]`. */
export function formatPath(path: Path): string {
  return path
    .map((key, index) => (typeof key === "number" ? `[${key}]` : `${index === 0 ? "" : "."}${String(key)}`))
    .join("");
}

function isFaultCode(path: Path): boolean {
  return path.length === 3 && path[0] === "faults" && path[2] === "code";
}

/** Maps the first zod issue of a payload to the reason code docs/reference/contract.md §2 names for it. */
export function reasonForIssue(issue: z.core.$ZodIssue, input: unknown): RejectReason {
  const value = valueAt(input, issue.path);
  // Parsed JSON holds no undefined: undefined at a named path means the key is absent.
  const absent = value === undefined && issue.path.length > 0;
  switch (issue.code) {
    case "invalid_type":
      if (absent) return "MISSING_FIELD";
      // JSON such as 1e999 parses to Infinity: a number, but not a finite one.
      if (typeof value === "number" && !Number.isFinite(value)) return "OUT_OF_RANGE";
      return "WRONG_TYPE";
    case "too_big":
    case "too_small":
      return issue.path.length === 1 && issue.path[0] === "faults" ? "TOO_MANY_FAULTS" : "OUT_OF_RANGE";
    case "unrecognized_keys":
      return "UNKNOWN_FIELD";
    case "invalid_value":
      if (absent) return "MISSING_FIELD";
      if (typeof value !== "string") return "WRONG_TYPE";
      return isFaultCode(issue.path) ? "UNKNOWN_FAULT_CODE" : "OUT_OF_RANGE";
    case "invalid_key":
    case "custom":
      return "OUT_OF_RANGE";
    default:
      return "WRONG_TYPE";
  }
}

/**
 * The issue to report when a payload has several: an unknown key first, since a misspelt field
 * would otherwise surface as a missing one and hide the typo; else zod's first, in schema order.
 */
export function primaryIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue | undefined {
  return issues.find((issue) => issue.code === "unrecognized_keys") ?? issues[0];
}

/** A one-line, human-readable account of an issue, naming the field. */
export function describeIssue(issue: z.core.$ZodIssue, reason: RejectReason): string {
  const where = formatPath(issue.path);
  if (reason === "MISSING_FIELD") return `${where}: required field is missing`;
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.map((key) => (where === "" ? key : `${where}.${key}`));
    return `unknown field${keys.length > 1 ? "s" : ""} ${keys.join(", ")}`;
  }
  return where === "" ? issue.message : `${where}: ${issue.message}`;
}
