import {
  decodeCursor,
  NEXT_CURSOR_HEADER,
  PAGE_LIMITS,
  type Page,
  type PageRequest,
  parseDuration,
  parseInstant,
} from "@fleetline/core/common";
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
  if (value === undefined)
    throw badParameter(
      name,
      `expected ISO-8601 or epoch milliseconds from 1970 to 9999-12-31T23:59:59.999Z, got "${text}"`,
    );
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
      throw badParameter(
        "bucket",
        `expected a duration such as 10s, 1m or 1h (at most 9999 years), got "${text}"`,
      );
    return { text, ms };
  }
  const chosen =
    AUTO_BUCKETS.find((candidate) => span / (parseDuration(candidate) as number) <= target) ?? "1d";
  return { text: chosen, ms: parseDuration(chosen) as number };
}

/** `limit` (1…1000, 100 by default) and `cursor` (the `x-next-cursor` of the previous page). */
export function pageParameters(query: URLSearchParams, max: number = PAGE_LIMITS.max): PageRequest {
  const limit = intParameter(query, "limit", { min: 1, max, fallback: Math.min(PAGE_LIMITS.fallback, max) });
  const cursor = query.get("cursor");
  if (cursor === null || cursor === "") return { limit };
  try {
    decodeCursor(cursor);
  } catch {
    throw badParameter(
      "cursor",
      "not a cursor this API handed out; pass the x-next-cursor of the previous page",
    );
  }
  return { limit, cursor };
}

/** A page as a response: the items as the body (an array, as before paging), the next cursor as a header. */
export function pageResponse<T>(page: Page<T>, body: unknown = page.items) {
  return {
    status: 200,
    body,
    ...(page.next === undefined ? {} : { headers: { [NEXT_CURSOR_HEADER]: page.next } }),
  };
}
