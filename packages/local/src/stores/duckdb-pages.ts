import {
  decodeCursor,
  encodeCursor,
  type Page,
  type PageRequest,
  type SortPosition,
} from "@fleetline/core/common";

/**
 * Keyset paging in SQL: the rows after the cursor's position, newest first. `at` and `id` are the
 * columns items sort by; the query asks for one row more than the page, to know whether it is the last.
 */
export function keysetClause(at: string, id: string, request: PageRequest) {
  const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor);
  return {
    where: `($afterAt IS NULL OR ${at} < $afterAt OR (${at} = $afterAt AND ${id} < $afterId))`,
    order: `ORDER BY ${at} DESC, ${id} DESC LIMIT $pageRows`,
    params: {
      afterAt: after === undefined ? null : BigInt(after.at),
      afterId: after?.id ?? null,
      pageRows: request.limit + 1,
    },
  };
}

/** The page from rows read with `keysetClause`. */
export function pageFrom<T>(rows: T[], position: (item: T) => SortPosition, limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return rows.length > limit && last !== undefined
    ? { items, next: encodeCursor(position(last)) }
    : { items };
}
