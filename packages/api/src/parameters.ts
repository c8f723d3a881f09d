import { parseDuration, parseInstant } from "@fleetline/core";
import { badParameter } from "./http-error.js";

export function intParameter(
  query: URLSearchParams,
  name: string,
  bounds: { min: number; max: number; fallback: number },
): number {
  const text = query.get(name);
  if (text === null) return bounds.fallback;
  if (!/^\d+$/.test(text)) throw badParameter(name, `expected a whole number, got "${text}"`);
  const value = Number(text);
  if (value < bounds.min || value > bounds.max)
    throw badParameter(name, `must be ${bounds.min}…${bounds.max}, got ${value}`);
  return value;
}

export function instantParameter(query: URLSearchParams, name: string, fallback: number): number {
  const text = query.get(name);
  if (text === null || text === "") return fallback;
  const value = parseInstant(text);
  if (value === undefined) throw badParameter(name, `expected ISO-8601 or epoch milliseconds, got "${text}"`);
  return value;
}

const AUTO_BUCKETS = ["1s", "5s", "10s", "30s", "1m", "5m", "10m", "30m", "1h", "3h", "6h", "12h", "1d"];

/** The bucket: as given (`10s`, `1m`, `1h`, …), or the smallest that gives at most `target` points. */
export function bucketParameter(
  query: URLSearchParams,
  span: number,
  target = 500,
): { text: string; ms: number } {
  const text = query.get("bucket");
  if (text !== null && text !== "") {
    const ms = parseDuration(text);
    if (ms === undefined)
      throw badParameter("bucket", `expected a duration such as 10s, 1m or 1h, got "${text}"`);
    return { text, ms };
  }
  const chosen =
    AUTO_BUCKETS.find((candidate) => span / (parseDuration(candidate) as number) <= target) ?? "1d";
  return { text: chosen, ms: parseDuration(chosen) as number };
}
