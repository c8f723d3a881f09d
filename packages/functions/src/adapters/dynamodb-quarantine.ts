import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import {
  type Page,
  type PageRequest,
  type Quarantine,
  type QuarantineEntry,
  quarantineExpiresAt,
  quarantinePosition,
  type SortPosition,
  ttlSeconds,
} from "@fleetline/core";
import { type Item, queryPage } from "./dynamodb-pages.js";
import { timeSortKey } from "./dynamodb-tables.js";

/** The partition every entry shares, so the newest can be read back in order (sort key = receive time). */
const PARTITION = "quarantine";

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
}
