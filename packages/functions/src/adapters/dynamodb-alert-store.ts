import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import {
  type AlarmState,
  type AlarmWrite,
  type AlertQuery,
  type AlertRecord,
  type AlertStore,
  alertExpiresAt,
  alertPosition,
  assertDistinctAlarms,
} from "@fleetline/core/alarms";
import type { Page, SortPosition } from "@fleetline/core/common";
import { ttlSeconds } from "@fleetline/core/pipeline";
import { type Item, queryAll, queryPage } from "./dynamodb-pages.js";
import { timeSortKey } from "./dynamodb-tables.js";

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

const ALL_ALERTS = "alerts";
const OWING = "owing";

/**
 * Alarm states and alert records in one DynamoDB table (`DYNAMODB_TABLES.alarms`). A state is
 * written with a condition on its revision, in one transaction with its alert records, so two
 * writers of the same alarm never both win and an outbox is never saved without its state.
 * Alerts are paged through the `byTime`, `byStatus` and `byThing` indexes; the states that owe
 * effects through the sparse `owing` index. Idle states and cleared alerts carry a TTL.
 */
export class DynamoDbAlertStore implements AlertStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private alertPut(alert: AlertRecord): TransactItem {
    const expiresAt = alertExpiresAt(alert);
    return {
      Put: {
        TableName: this.table,
        Item: {
          pk: `alert#${alert.id}`,
          sk: "alert",
          gsi1pk: ALL_ALERTS,
          gsi1sk: timeSortKey(alert.openedAt, alert.id),
          thing: alert.thing,
          status: alert.status,
          record: alert,
          ...(expiresAt === undefined ? {} : { ttl: ttlSeconds(expiresAt) }),
        },
      },
    };
  }

  private statePut(next: AlarmState, expected: number): TransactItem {
    const owing = (next.outbox?.length ?? 0) > 0;
    return {
      Put: {
        TableName: this.table,
        Item: {
          pk: `state#${next.thing}`,
          sk: next.code,
          revision: next.revision,
          state: next,
          ...(owing ? { owing: OWING, owingSince: next.owingSince ?? 0 } : {}),
          ...(next.expiresAt === undefined ? {} : { ttl: ttlSeconds(next.expiresAt) }),
        },
        ...(expected === 0
          ? { ConditionExpression: "attribute_not_exists(pk)" }
          : {
              ConditionExpression: "revision = :expected",
              ExpressionAttributeValues: { ":expected": expected },
            }),
      },
    };
  }

  async states(thing: string): Promise<AlarmState[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: "#pk = :pk",
      ExpressionAttributeNames: { "#pk": "pk" },
      ExpressionAttributeValues: { ":pk": `state#${thing}` },
    });
    return items.map((item) => item.state as AlarmState);
  }

  /** A Query per thing (a thing's states share its partition), sent together. */
  async statesOf(things: readonly string[]): Promise<Map<string, AlarmState[]>> {
    const states = await Promise.all(things.map((thing) => this.states(thing)));
    return new Map(things.map((thing, i) => [thing, states[i] ?? []]));
  }

  async save(write: AlarmWrite): Promise<boolean> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            this.statePut(write.next, write.expectedRevision),
            ...write.alerts.map((alert) => this.alertPut(alert)),
          ],
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException) return false;
      throw error;
    }
  }

  /** A transaction per alarm (each a compare-and-set of its own), sent together. */
  async saveAll(writes: readonly AlarmWrite[]): Promise<boolean[]> {
    assertDistinctAlarms(writes);
    return Promise.all(writes.map((write) => this.save(write)));
  }

  async get(id: string): Promise<AlertRecord | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: `alert#${id}`, sk: "alert" } }),
    );
    return result.Item?.record as AlertRecord | undefined;
  }

  page(query: AlertQuery): Promise<Page<AlertRecord>> {
    // The narrowest index: a thing's alerts (its status as a filter), a status's, or all.
    const [index, attribute, value] =
      query.thing !== undefined
        ? ["byThing", "thing", query.thing]
        : query.status !== undefined
          ? ["byStatus", "status", query.status]
          : ["byTime", "gsi1pk", ALL_ALERTS];
    const filtered = query.thing !== undefined && query.status !== undefined;
    return queryPage(
      this.client,
      {
        input: {
          TableName: this.table,
          IndexName: index,
          KeyConditionExpression: "#p = :p",
          ...(filtered ? { FilterExpression: "#f = :f" } : {}),
          ExpressionAttributeNames: { "#p": attribute, ...(filtered ? { "#f": "status" } : {}) },
          ExpressionAttributeValues: { ":p": value, ...(filtered ? { ":f": query.status } : {}) },
          ScanIndexForward: false,
        },
        item: (item: Item) => item.record as AlertRecord,
        position: alertPosition,
        startAfter: ({ at, id }: SortPosition) => ({
          pk: `alert#${id}`,
          sk: "alert",
          [attribute]: value,
          gsi1sk: timeSortKey(at, id),
        }),
      },
      query,
    );
  }

  async owing(limit: number): Promise<AlarmState[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: "owing",
        KeyConditionExpression: "#p = :p",
        ExpressionAttributeNames: { "#p": "owing" },
        ExpressionAttributeValues: { ":p": OWING },
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map((item) => item.state as AlarmState);
  }
}
