import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Presence } from "@fleetline/core/aws";
import type { DevicePresence, PresenceStore } from "@fleetline/core/devices";
import { everyShard, shardOf } from "./dynamodb-latest-telemetry.js";

/**
 * Each device's presence in DynamoDB (`DYNAMODB_TABLES.presence`): `thing` = key, listed through
 * the `byShard` index as the latest table is. A save is a put conditional on the version and
 * state it read.
 */
export class DynamoDbPresenceStore implements PresenceStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(thing: string): Promise<DevicePresence | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: { thing } }));
    return Item?.presence as DevicePresence | undefined;
  }

  async all(): Promise<Map<string, DevicePresence>> {
    const items = await everyShard(this.client, this.table);
    return new Map(items.map((item) => [item.thing as string, item.presence as DevicePresence]));
  }

  async save(next: DevicePresence, expected: Presence | undefined): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            thing: next.clientId,
            shard: shardOf(next.clientId),
            version: next.versionNumber,
            connected: next.connected ? 1 : 0,
            presence: next,
          },
          ...(expected === undefined
            ? { ConditionExpression: "attribute_not_exists(thing)" }
            : {
                ConditionExpression: "#version = :version AND #connected = :connected",
                ExpressionAttributeNames: { "#version": "version", "#connected": "connected" },
                ExpressionAttributeValues: {
                  ":version": expected.versionNumber,
                  ":connected": expected.connected ? 1 : 0,
                },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
