import { type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { type Command, type CommandLedger, computeDelta } from "@fleetline/core";
import { queryAll, scanAll } from "./dynamodb-pages.js";

/** The command ledger in DynamoDB: `pk = id`, listed per thing through the `byThing` index (`thing`, `createdAt`). */
export class DynamoDbCommandLedger implements CommandLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private async put(command: Command): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: command.id,
          thing: command.thing,
          createdAt: command.createdAt,
          status: command.status,
          expiresAt: command.expiresAt,
          record: command,
        },
      }),
    );
  }

  add(command: Command): Promise<void> {
    return this.put(command);
  }

  async list(filter: { thing?: string }): Promise<Command[]> {
    const items = filter.thing
      ? await queryAll(this.client, {
          TableName: this.table,
          IndexName: "byThing",
          KeyConditionExpression: "thing = :thing",
          ExpressionAttributeValues: { ":thing": filter.thing },
          ScanIndexForward: false,
        })
      : await scanAll(this.client, { TableName: this.table });
    return items.map((item) => item.record as Command).sort((a, b) => b.createdAt - a.createdAt);
  }

  async markDelivered(thing: string, reported: Record<string, unknown>, at: number): Promise<Command[]> {
    const delivered = (await this.list({ thing }))
      .filter((c) => c.status === "pending" && Object.keys(computeDelta(c.desired, reported)).length === 0)
      .map((c): Command => ({ ...c, status: "delivered", deliveredAt: at }));
    for (const command of delivered) await this.put(command);
    return delivered;
  }

  async expire(now: number): Promise<Command[]> {
    const items = await scanAll(this.client, {
      TableName: this.table,
      FilterExpression: "#status = :pending AND expiresAt <= :now",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":pending": "pending", ":now": now },
    });
    const expired = items.map((item): Command => ({ ...(item.record as Command), status: "expired" }));
    for (const command of expired) await this.put(command);
    return expired;
  }
}
