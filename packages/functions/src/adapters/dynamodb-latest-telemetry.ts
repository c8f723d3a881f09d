import { deflateRawSync, inflateRawSync } from "node:zlib";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { BatchGetCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
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

/** A record as the `latest` table keeps it: its JSON, deflated (a 1 KB report packs to about 370 bytes). */
export function packRecord(record: TelemetryRecord): Uint8Array {
  return deflateRawSync(JSON.stringify(record));
}

function unpackRecord(packed: Uint8Array): TelemetryRecord {
  return JSON.parse(inflateRawSync(packed).toString("utf8")) as TelemetryRecord;
}

/**
 * The newest record of each thing, in DynamoDB (the `latest` table): written by the store function
 * with a conditional put that only a newer record wins, so replays and late records never move it
 * back; read by the query API for the fleet view and a device's page. An item holds what the fleet
 * view lists in plain attributes and the whole record deflated (`packed`), so that it stays under
 * the 1 KB of one write unit where a report of 1 KB would take two (docs/guide/deploy.md, "What it costs").
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
              packed: packRecord(record),
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
    if (Item?.packed instanceof Uint8Array) return unpackRecord(Item.packed);
    // An item written before records were packed.
    return Item?.record as TelemetryRecord | undefined;
  }

  /**
   * One summary per thing, by name: the things from the keys-only index (a Query per index shard,
   * each paged to its end), their fleet-view attributes by BatchGetItem, 100 at a time.
   */
  async summaries(): Promise<DeviceSummary[]> {
    const things = (await everyShard(this.client, this.table)).map((item) => item.thing as string);
    const items: Item[] = [];
    for (let i = 0; i < things.length; i += 100)
      items.push(...(await this.batchGet(things.slice(i, i + 100))));
    const summaries = items.map((item) => ({
      thing: item.thing as string,
      type: item.type as DeviceSummary["type"],
      lastSeen: item.receivedAt as number,
      state: item.state as string,
    }));
    return summaries.sort((a, b) => (a.thing < b.thing ? -1 : a.thing > b.thing ? 1 : 0));
  }

  /** The fleet-view attributes of these things; keys DynamoDB left unprocessed are asked again. */
  private async batchGet(things: string[]): Promise<Item[]> {
    const items: Item[] = [];
    let keys: Array<Record<string, unknown>> = things.map((thing) => ({ thing }));
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
      const { Responses, UnprocessedKeys } = await this.client.send(
        new BatchGetCommand({
          RequestItems: {
            [this.table]: {
              Keys: keys,
              ProjectionExpression: "thing, #type, receivedAt, #state",
              ExpressionAttributeNames: { "#type": "type", "#state": "state" },
            },
          },
        }),
      );
      items.push(...((Responses?.[this.table] ?? []) as Item[]));
      keys = (UnprocessedKeys?.[this.table]?.Keys ?? []) as Array<Record<string, unknown>>;
    }
    return items;
  }
}
