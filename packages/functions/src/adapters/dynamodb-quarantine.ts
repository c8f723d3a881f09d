import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, paginateQuery } from "@aws-sdk/lib-dynamodb";
import type { Page, PageRequest, SortPosition } from "@fleetline/core/common";
import { ttlSeconds } from "@fleetline/core/pipeline";
import {
  type Quarantine,
  type QuarantineEntry,
  type QuarantineFilter,
  quarantineExpiresAt,
  quarantineMatches,
  quarantinePosition,
} from "@fleetline/core/telemetry";
import { type Item, queryPage } from "./dynamodb-pages.js";
import { timeSortKey } from "./dynamodb-tables.js";

/** The partition every entry shares, so the newest can be read back in order (sort key = receive time). */
const PARTITION = "quarantine";

/** Deletes sent at once when a redrive removes what it took. */
const PARALLEL_DELETES = 25;

/** Rejected messages in DynamoDB, one item per messageId (a conditional put keeps the first). */
export class DynamoDbQuarantine implements Quarantine {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async put(entries: readonly QuarantineEntry[]): Promise<number> {
    let added = 0;
    for (const entry of entries) {
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.table,
            Item: {
              pk: PARTITION,
              sk: timeSortKey(entry.receivedAt, entry.messageId),
              messageId: entry.messageId,
              entry,
              ttl: ttlSeconds(quarantineExpiresAt(entry)),
            },
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        );
        added += 1;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    return added;
  }

  page(request: PageRequest): Promise<Page<QuarantineEntry>> {
    return queryPage(
      this.client,
      {
        input: {
          TableName: this.table,
          KeyConditionExpression: "#pk = :pk",
          ExpressionAttributeNames: { "#pk": "pk" },
          ExpressionAttributeValues: { ":pk": PARTITION },
          ScanIndexForward: false,
        },
        item: (item: Item) => item.entry as QuarantineEntry,
        position: quarantinePosition,
        startAfter: ({ at, id }: SortPosition) => ({ pk: PARTITION, sk: timeSortKey(at, id) }),
      },
      request,
    );
  }

  /**
   * The entries received since the filter's time, oldest first, read a page at a time until `take`
   * says it has enough: reason and thing are matched here, as DynamoDB keeps them inside the entry.
   */
  private async scanFrom(filter: QuarantineFilter, take: (entry: QuarantineEntry) => boolean): Promise<void> {
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.table,
        // From the run's position when it is past the filter's time, else from that time.
        KeyConditionExpression: "#pk = :pk AND #sk >= :from",
        ExpressionAttributeNames: { "#pk": "pk", "#sk": "sk" },
        ExpressionAttributeValues: {
          ":pk": PARTITION,
          ":from":
            filter.after && filter.after.at >= (filter.since ?? 0)
              ? timeSortKey(filter.after.at, filter.after.id)
              : timeSortKey(filter.since ?? 0, ""),
        },
        ScanIndexForward: true,
      },
    );
    for await (const page of pages)
      for (const item of page.Items ?? []) {
        const entry = item.entry as QuarantineEntry;
        if (quarantineMatches(entry, filter) && !take(entry)) return;
      }
  }

  async select(filter: QuarantineFilter, limit: number): Promise<QuarantineEntry[]> {
    const selected: QuarantineEntry[] = [];
    if (limit < 1) return selected;
    await this.scanFrom(filter, (entry) => selected.push(entry) < limit);
    return selected;
  }

  async remove(entries: readonly QuarantineEntry[]): Promise<void> {
    for (let i = 0; i < entries.length; i += PARALLEL_DELETES)
      await Promise.all(
        entries.slice(i, i + PARALLEL_DELETES).map((entry) =>
          this.client.send(
            new DeleteCommand({
              TableName: this.table,
              Key: { pk: PARTITION, sk: timeSortKey(entry.receivedAt, entry.messageId) },
            }),
          ),
        ),
      );
  }

  async count(filter: QuarantineFilter = {}): Promise<number> {
    let matching = 0;
    await this.scanFrom(filter, () => {
      matching += 1;
      return true;
    });
    return matching;
  }
}
