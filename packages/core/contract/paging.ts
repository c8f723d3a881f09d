import { expect } from "vitest";
import type { Page, PageRequest } from "../src/common/index.js";

/** Reads every page of a listing `limit` at a time; checks each page's size and the absence of repeats. */
export async function readAllPages<T>(
  read: (request: PageRequest) => Promise<Page<T>>,
  limit: number,
  idOf: (item: T) => string,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await read(cursor === undefined ? { limit } : { limit, cursor });
    pages += 1;
    expect(page.items.length).toBeLessThanOrEqual(limit);
    if (page.next !== undefined) expect(page.items).toHaveLength(limit);
    items.push(...page.items);
    cursor = page.next;
    if (pages > 1000) throw new Error("the listing never ends");
  } while (cursor !== undefined);
  const ids = items.map(idOf);
  expect(new Set(ids).size).toBe(ids.length);
  return { items, pages };
}
