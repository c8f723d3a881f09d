import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Quarantine, QuarantineEntry } from "@fleetline/core";
import { queryAll } from "./dynamodb-pages.js";

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
              sk: `${String(entry.receivedAt).padStart(15, "0")}#${entry.messageId}`,
              messageId: entry.messageId,
              entry,
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

  async list(options: { limit: number }): Promise<QuarantineEntry[]> {
    const items = await queryAll(
      this.client,
      {
        TableName: this.table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": PARTITION },
        ScanIndexForward: false,
        Limit: options.limit,
      },
      options.limit,
    );
    return items.map((item) => item.entry as QuarantineEntry);
  }
}
