import { decodeBase64, decodeUtf8, encodeBase64 } from "./bytes.js";
import { fleetlineError } from "./errors.js";

/**
 * Listings come a page at a time, newest first, so no request reads a whole table (DynamoDB) and no
 * response outgrows Lambda's 6 MB. A cursor is where the previous page stopped: the sort position
 * of its last item (time, then id), opaque to the caller.
 */
export interface PageRequest {
  /** 1…PAGE_LIMITS.max items. */
  limit: number;
  /** The `next` of the previous page; absent for the first. */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Where the next page starts; absent on the last page. */
  next?: string;
}

export const PAGE_LIMITS = { fallback: 100, max: 1000 } as const;

/** The API's response header naming the next page's cursor (the body stays the array of items). */
export const NEXT_CURSOR_HEADER = "x-next-cursor";

/** The sort position of one item: newest first by `at`, then by `id` descending. */
export interface SortPosition {
  at: number;
  id: string;
}

export function encodeCursor(position: SortPosition): string {
  const json = new TextEncoder().encode(JSON.stringify([position.at, position.id]));
  return encodeBase64(json).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The position a cursor names; REQUEST_INVALID for anything a Fleetline page did not hand out. */
export function decodeCursor(cursor: string): SortPosition {
  const invalid = () => fleetlineError("REQUEST_INVALID", "cursor: not a cursor this API handed out");
  if (cursor.length > 400 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  const base64 = cursor.replace(/-/g, "+").replace(/_/g, "/");
  const bytes = decodeBase64(base64.padEnd(Math.ceil(base64.length / 4) * 4, "="));
  const text = bytes === undefined ? undefined : decodeUtf8(bytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text ?? "");
  } catch {
    throw invalid();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    !Number.isSafeInteger(parsed[0]) ||
    typeof parsed[1] !== "string" ||
    parsed[1].length === 0 ||
    parsed[1].length > 200
  )
    throw invalid();
  return { at: parsed[0] as number, id: parsed[1] };
}

/** True when `a` sorts before `b` (newer, or as new with the greater id). */
export function sortsBefore(a: SortPosition, b: SortPosition): boolean {
  return a.at > b.at || (a.at === b.at && a.id > b.id);
}

/** Oldest first, whether `position` comes after `after` (later, or as late with the greater id); all do after none. */
export function sortsAfter(position: SortPosition, after: SortPosition | undefined): boolean {
  return after === undefined || sortsBefore(position, after);
}

/** A page cut from items already in sort order: those after the cursor, at most `limit`. */
export function pageOf<T>(
  sorted: readonly T[],
  position: (item: T) => SortPosition,
  request: PageRequest,
): Page<T> {
  const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor);
  const rest = after === undefined ? sorted : sorted.filter((item) => sortsBefore(after, position(item)));
  const items = rest.slice(0, request.limit);
  const last = items.at(-1);
  return rest.length > request.limit && last !== undefined
    ? { items, next: encodeCursor(position(last)) }
    : { items };
}

/** Sorts newest first, as every page is. */
export function byPosition<T>(position: (item: T) => SortPosition) {
  return (a: T, b: T) =>
    sortsBefore(position(a), position(b)) ? -1 : sortsBefore(position(b), position(a)) ? 1 : 0;
}

/** Every page of a listing, for callers that need all of a bounded set (e.g. the open alarms). */
export async function allPages<T>(read: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await read(cursor);
    items.push(...page.items);
    cursor = page.next;
  } while (cursor !== undefined);
  return items;
}
