import {
  type DynamoDBDocumentClient,
  paginateQuery,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import {
  decodeCursor,
  encodeCursor,
  type Page,
  type PageRequest,
  type SortPosition,
} from "@fleetline/core/common";

export type Item = Record<string, unknown>;

/** Every page of a query: for sets bounded by design (a thing's alarm states, its pending commands). */
export async function queryAll(client: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  for await (const page of paginateQuery({ client }, input)) items.push(...(page.Items ?? []));
  return items;
}

export interface KeysetQuery<T> {
  /** The query, newest first (`ScanIndexForward: false`), without Limit or ExclusiveStartKey. */
  input: QueryCommandInput;
  item: (raw: Item) => T;
  position: (item: T) => SortPosition;
  /** The key (table and index attributes) of the item at a position, to start after it. */
  startAfter: (position: SortPosition) => Item;
}

/**
 * One page of a query, resumed after the cursor's position: reads until it has one item more than
 * the page (a filter can make DynamoDB's pages short) or the query ends, so `next` is exact.
 */
export async function queryPage<T>(
  client: DynamoDBDocumentClient,
  query: KeysetQuery<T>,
  request: PageRequest,
): Promise<Page<T>> {
  const wanted = request.limit + 1;
  const items: T[] = [];
  let start: Item | undefined =
    request.cursor === undefined ? undefined : query.startAfter(decodeCursor(request.cursor));
  do {
    const result = await client.send(
      new QueryCommand({
        ...query.input,
        Limit: wanted - items.length,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(result.Items ?? []).map(query.item));
    start = result.LastEvaluatedKey;
  } while (start !== undefined && items.length < wanted);
  const page = items.slice(0, request.limit);
  const last = page.at(-1);
  return items.length > request.limit && last !== undefined
    ? { items: page, next: encodeCursor(query.position(last)) }
    : { items: page };
}
