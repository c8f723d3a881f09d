import {
  type DynamoDBDocumentClient,
  paginateQuery,
  paginateScan,
  type QueryCommandInput,
  type ScanCommandInput,
} from "@aws-sdk/lib-dynamodb";

type Item = Record<string, unknown>;

/** DynamoDB answers a query or scan a page (1 MB) at a time: every page, or until `limit` items. */
async function collect(pages: AsyncIterable<{ Items?: Item[] }>, limit: number): Promise<Item[]> {
  const items: Item[] = [];
  for await (const page of pages) {
    items.push(...(page.Items ?? []));
    if (items.length >= limit) break;
  }
  return items.slice(0, limit);
}

export function queryAll(client: DynamoDBDocumentClient, input: QueryCommandInput, limit = Infinity) {
  return collect(paginateQuery({ client }, input), limit);
}

export function scanAll(client: DynamoDBDocumentClient, input: ScanCommandInput) {
  return collect(paginateScan({ client }, input), Infinity);
}
