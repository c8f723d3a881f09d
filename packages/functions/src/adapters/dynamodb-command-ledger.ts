import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import {
  type Command,
  type CommandLedger,
  type CommandQuery,
  type CommandStatus,
  commandExpiresAt,
  commandPosition,
} from "@fleetline/core/commands";
import type { Page, SortPosition } from "@fleetline/core/common";
import { ttlSeconds } from "@fleetline/core/pipeline";
import { type Item, queryAll, queryPage } from "./dynamodb-pages.js";
import { timeSortKey } from "./dynamodb-tables.js";

const ALL_COMMANDS = "commands";
const PENDING = "pending";

/**
 * The command ledger in DynamoDB (`DYNAMODB_TABLES.commands`): `pk` = id. A pending command also
 * carries the keys of the sparse `pendingByThing` and `pendingByDeadline` indexes, which a move out
 * of pending drops; a finished one carries a TTL. Moves are conditional puts on the status.
 */
export class DynamoDbCommandLedger implements CommandLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private item(command: Command): Item {
    const retainUntil = commandExpiresAt(command);
    return {
      pk: command.id,
      gsi1pk: ALL_COMMANDS,
      gsi1sk: timeSortKey(command.createdAt, command.id),
      thing: command.thing,
      status: command.status,
      record: command,
      ...(command.status === "pending"
        ? { pendingThing: command.thing, pending: PENDING, deadline: command.expiresAt }
        : {}),
      ...(retainUntil === undefined ? {} : { ttl: ttlSeconds(retainUntil) }),
    };
  }

  private async put(
    command: Command,
    condition: { expression: string; values?: Item; names?: Record<string, string> },
  ) {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: this.item(command),
          ConditionExpression: condition.expression,
          ...(condition.names ? { ExpressionAttributeNames: condition.names } : {}),
          ...(condition.values ? { ExpressionAttributeValues: condition.values } : {}),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async add(command: Command): Promise<void> {
    await this.put(command, { expression: "attribute_not_exists(pk)" });
  }

  async get(id: string): Promise<Command | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.table, Key: { pk: id } }));
    return result.Item?.record as Command | undefined;
  }

  async pending(thing: string): Promise<Command[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      IndexName: "pendingByThing",
      KeyConditionExpression: "#p = :p",
      ExpressionAttributeNames: { "#p": "pendingThing" },
      ExpressionAttributeValues: { ":p": thing },
    });
    return items.map((item) => item.record as Command);
  }

  async due(now: number, limit: number): Promise<Command[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: "pendingByDeadline",
        KeyConditionExpression: "#p = :p AND #s <= :s",
        ExpressionAttributeNames: { "#p": "pending", "#s": "deadline" },
        ExpressionAttributeValues: { ":p": PENDING, ":s": now },
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map((item) => item.record as Command);
  }

  transition(next: Command, from: CommandStatus): Promise<boolean> {
    return this.put(next, {
      expression: "#s = :from",
      names: { "#s": "status" },
      values: { ":from": from },
    });
  }

  page(query: CommandQuery): Promise<Page<Command>> {
    const [index, attribute, value] =
      query.thing !== undefined ? ["byThing", "thing", query.thing] : ["byTime", "gsi1pk", ALL_COMMANDS];
    return queryPage(
      this.client,
      {
        input: {
          TableName: this.table,
          IndexName: index,
          KeyConditionExpression: "#p = :p",
          ExpressionAttributeNames: { "#p": attribute },
          ExpressionAttributeValues: { ":p": value },
          ScanIndexForward: false,
        },
        item: (item: Item) => item.record as Command,
        position: commandPosition,
        startAfter: ({ at, id }: SortPosition) => ({
          pk: id,
          [attribute]: value,
          gsi1sk: timeSortKey(at, id),
        }),
      },
      query,
    );
  }
}
