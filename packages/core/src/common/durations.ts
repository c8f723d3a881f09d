const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * The last instant every target can serve: 9999-12-31T23:59:59.999Z. A JavaScript Date reaches
 * ±8.64e15 ms, but past year 9999 its ISO form (`+010000-…`) is one Athena, Timestream and DuckDB
 * do not read (docs/reference/api.md).
 */
export const MAX_INSTANT = 253_402_300_799_999;

/**
 * `"10s"`, `"1m"`, `"1h"`, `"250ms"`, `"7d"` → milliseconds, at most MAX_INSTANT; undefined for
 * anything else.
 */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,9})(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * (UNITS[match[2] as string] as number);
  return ms > 0 && ms <= MAX_INSTANT ? ms : undefined;
}

/**
 * An instant as ISO-8601 (`2026-11-28T10:00:00Z`) or epoch milliseconds, from 1970 to MAX_INSTANT;
 * undefined otherwise.
 */
export function parseInstant(text: string): number | undefined {
  const trimmed = text.trim();
  let ms: number;
  if (/^\d{1,16}$/.test(trimmed)) ms = Number(trimmed);
  else if (/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(trimmed)) ms = Date.parse(trimmed);
  else return undefined;
  return Number.isNaN(ms) || ms < 0 || ms > MAX_INSTANT ? undefined : ms;
}
