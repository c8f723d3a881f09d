import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { DeviceSummary, TelemetryRecord } from "@fleetline/core/telemetry";
import { type Item, queryAll } from "./dynamodb-pages.js";

/** How many index partitions the things are spread over (`shard` = s0 … s15). */
export const LATEST_SHARDS = 16;

/**
 * Every item of a table listed by the `byShard` index (`latest`, `presence`): a Query per index
 * shard, each paged to its end.
 */
export async function everyShard(client: DynamoDBDocumentClient, table: string): Promise<Item[]> {
  const items: Item[] = [];
  for (let shard = 0; shard < LATEST_SHARDS; shard++)
    items.push(
      ...(await queryAll(client, {
        TableName: table,
        IndexName: "byShard",
        KeyConditionExpression: "#shard = :shard",
        ExpressionAttributeNames: { "#shard": "shard" },
        ExpressionAttributeValues: { ":shard": `s${shard}` },
      })),
    );
  return items;
}

/** The index partition of a thing (the `latest` and `presence` tables list things by it). */
export function shardOf(thing: string): string {
  let hash = 0;
  for (let i = 0; i < thing.length; i++) hash = (hash * 31 + thing.charCodeAt(i)) >>> 0;
  return `s${hash % LATEST_SHARDS}`;
}

/** Newer by device time, then by seq: the order the contract's `latest` uses. */
function newer(a: TelemetryRecord, b: TelemetryRecord): boolean {
  return a.ts > b.ts || (a.ts === b.ts && a.seq > b.seq);
}

/**
 * The newest record of each thing, in DynamoDB (the `latest` table): written by the store function
 * with a conditional put that only a newer record wins, so replays and late records never move it
 * back; read by the query API for the fleet view and a device's page.
 */
export class DynamoDbLatestTelemetry {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Keeps each thing's newest record of the batch, if it is newer than the one kept. */
  async keep(records: readonly TelemetryRecord[]): Promise<void> {
    const newest = new Map<string, TelemetryRecord>();
    for (const record of records) {
      const kept = newest.get(record.thing);
      if (!kept || newer(record, kept)) newest.set(record.thing, record);
    }
    for (const record of newest.values()) {
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.table,
            Item: {
              thing: record.thing,
              shard: shardOf(record.thing),
              ts: record.ts,
              seq: record.seq,
              type: record.type,
              receivedAt: record.receivedAt,
              state: record.metrics.state,
              record,
            },
            ConditionExpression: "attribute_not_exists(thing) OR #ts < :ts OR (#ts = :ts AND #seq < :seq)",
            ExpressionAttributeNames: { "#ts": "ts", "#seq": "seq" },
            ExpressionAttributeValues: { ":ts": record.ts, ":seq": record.seq },
          }),
        );
      } catch (error) {
        // A newer record is kept already: nothing to do.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
  }

  async latest(thing: string): Promise<TelemetryRecord | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: { thing } }));
    return Item?.record as TelemetryRecord | undefined;
  }

  /** One summary per thing, by name: a Query per index shard, each paged to its end. */
  async summaries(): Promise<DeviceSummary[]> {
    const summaries = (await everyShard(this.client, this.table)).map((item) => ({
      thing: item.thing as string,
      type: item.type as DeviceSummary["type"],
      lastSeen: item.receivedAt as number,
      state: item.state as string,
    }));
    return summaries.sort((a, b) => (a.thing < b.thing ? -1 : a.thing > b.thing ? 1 : 0));
  }
}
