import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import {
  type AlarmState,
  type AlertFilter,
  type AlertRecord,
  type AlertStore,
  fleetlineError,
} from "@fleetline/core";
import { queryAll } from "./dynamodb-pages.js";

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/**
 * Alarm states and alert records in one DynamoDB table. States (`pk = state#{thing}`, `sk = code`)
 * are written with a condition on their revision, in one transaction with the alert records, so two
 * writers of the same alarm never both win. Records are listed newest first through the `byTime`
 * index (`gsi1pk = "alerts"`, `gsi1sk = openedAt#id`).
 */
export class DynamoDbAlertStore implements AlertStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private alertItem(alert: AlertRecord): TransactItem {
    return {
      Put: {
        TableName: this.table,
        Item: {
          pk: `alert#${alert.id}`,
          sk: "alert",
          gsi1pk: "alerts",
          gsi1sk: `${String(alert.openedAt).padStart(15, "0")}#${alert.id}`,
          thing: alert.thing,
          status: alert.status,
          record: alert,
        },
      },
    };
  }

  private stateWrite(
    thing: string,
    code: string,
    next: AlarmState | undefined,
    expected: number,
  ): TransactItem {
    const key = { pk: `state#${thing}`, sk: code };
    const condition =
      expected === 0
        ? { ConditionExpression: "attribute_not_exists(pk)" }
        : {
            ConditionExpression: "revision = :expected",
            ExpressionAttributeValues: { ":expected": expected },
          };
    return next
      ? {
          Put: {
            TableName: this.table,
            Item: { ...key, revision: next.revision, state: next },
            ...condition,
          },
        }
      : { Delete: { TableName: this.table, Key: key, ...condition } };
  }

  async states(thing: string): Promise<AlarmState[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": `state#${thing}` },
    });
    return items.map((item) => item.state as AlarmState);
  }

  private async transact(items: TransactItem[]): Promise<boolean> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException) return false;
      throw error;
    }
  }

  save(
    thing: string,
    code: string,
    next: AlarmState | undefined,
    expectedRevision: number,
    alerts: AlertRecord[],
  ): Promise<boolean> {
    return this.transact([
      this.stateWrite(thing, code, next, expectedRevision),
      ...alerts.map((a) => this.alertItem(a)),
    ]);
  }

  async get(id: string): Promise<AlertRecord | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: `alert#${id}`, sk: "alert" } }),
    );
    return result.Item?.record as AlertRecord | undefined;
  }

  async list(filter: AlertFilter): Promise<AlertRecord[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      IndexName: "byTime",
      KeyConditionExpression: "gsi1pk = :all",
      ExpressionAttributeValues: { ":all": "alerts" },
      ScanIndexForward: false,
    });
    return items
      .map((item) => item.record as AlertRecord)
      .filter(
        (a) => (!filter.status || a.status === filter.status) && (!filter.thing || a.thing === filter.thing),
      );
  }

  async ack(id: string, at: number): Promise<AlertRecord | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const alert = await this.get(id);
      if (!alert) return undefined;
      if (alert.status === "cleared") throw fleetlineError("CONFLICT", `alert ${id} is already cleared`);
      if (alert.status === "acked") return alert;
      const acked: AlertRecord = { ...alert, status: "acked", ackedAt: at };
      const state = (await this.states(alert.thing)).find((s) => s.code === alert.code);
      const items = [this.alertItem(acked)];
      if (state?.alert?.id === id) {
        items.push(
          this.stateWrite(
            alert.thing,
            alert.code,
            { ...state, alert: acked, revision: state.revision + 1 },
            state.revision,
          ),
        );
      }
      if (await this.transact(items)) return acked;
    }
    throw fleetlineError("CONFLICT", `alert ${id} kept changing; try again`);
  }
}
