import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";

type Item = Record<string, unknown>;
type Values = Record<string, unknown> | undefined;

/**
 * An in-memory DynamoDB behind aws-sdk-client-mock, for the key schemas and the few condition and
 * key expressions the Fleetline adapters use. An expression it does not know fails loudly, so the
 * adapters cannot pass the contract suites by accident.
 */
export function fakeDynamoDb() {
  const tables = new Map<string, Map<string, Item>>();
  const table = (name: string) => {
    const rows = tables.get(name) ?? new Map<string, Item>();
    tables.set(name, rows);
    return rows;
  };
  const keyOf = (item: Item) => `${String(item.pk)}\u0000${String(item.sk ?? "")}`;

  function check(existing: Item | undefined, condition: string | undefined, values: Values): boolean {
    if (condition === undefined) return true;
    if (condition === "attribute_not_exists(pk)") return existing === undefined;
    if (condition === "revision = :expected") return existing?.revision === values?.[":expected"];
    throw new Error(`the fake does not understand the condition ${condition}`);
  }

  function put(input: {
    TableName?: string;
    Item?: Item;
    ConditionExpression?: string;
    ExpressionAttributeValues?: Values;
  }) {
    const rows = table(input.TableName as string);
    const item = structuredClone(input.Item as Item);
    if (!check(rows.get(keyOf(item)), input.ConditionExpression, input.ExpressionAttributeValues))
      return false;
    rows.set(keyOf(item), item);
    return true;
  }

  function remove(input: {
    TableName?: string;
    Key?: Item;
    ConditionExpression?: string;
    ExpressionAttributeValues?: Values;
  }) {
    const rows = table(input.TableName as string);
    const key = keyOf(input.Key as Item);
    if (!check(rows.get(key), input.ConditionExpression, input.ExpressionAttributeValues)) return false;
    rows.delete(key);
    return true;
  }

  const client = mockClient(DynamoDBDocumentClient);
  client.on(PutCommand).callsFake((input) => {
    if (!put(input))
      throw new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });
    return {};
  });
  client.on(DeleteCommand).callsFake((input) => {
    if (!remove(input))
      throw new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });
    return {};
  });
  client.on(GetCommand).callsFake((input) => {
    const item = table(input.TableName).get(keyOf(input.Key));
    return { Item: item && structuredClone(item) };
  });
  client.on(QueryCommand).callsFake((input) => {
    const values = input.ExpressionAttributeValues as Item;
    const [attribute, sortBy] =
      input.KeyConditionExpression === "pk = :pk"
        ? ["pk", "sk"]
        : input.KeyConditionExpression === "gsi1pk = :all" && input.IndexName === "byTime"
          ? ["gsi1pk", "gsi1sk"]
          : input.KeyConditionExpression === "thing = :thing" && input.IndexName === "byThing"
            ? ["thing", "createdAt"]
            : [];
    if (!attribute || !sortBy)
      throw new Error(`the fake does not understand the query ${input.KeyConditionExpression}`);
    const wanted = Object.values(values)[0];
    const items = [...table(input.TableName).values()]
      .filter((item) => item[attribute] === wanted && (attribute === "pk" || item[sortBy] !== undefined))
      .sort((a, b) => (String(a[sortBy]).padStart(20, "0") < String(b[sortBy]).padStart(20, "0") ? -1 : 1));
    if (input.ScanIndexForward === false) items.reverse();
    return { Items: structuredClone(items.slice(0, input.Limit ?? items.length)) };
  });
  client.on(ScanCommand).callsFake((input) => {
    const items = [...table(input.TableName).values()];
    if (input.FilterExpression === undefined) return { Items: structuredClone(items) };
    if (input.FilterExpression !== "#status = :pending AND expiresAt <= :now") {
      throw new Error(`the fake does not understand the filter ${input.FilterExpression}`);
    }
    const values = input.ExpressionAttributeValues as Item;
    return {
      Items: structuredClone(
        items.filter(
          (i) => i.status === values[":pending"] && (i.expiresAt as number) <= (values[":now"] as number),
        ),
      ),
    };
  });
  client.on(TransactWriteCommand).callsFake((input) => {
    const snapshot = new Map([...tables].map(([name, rows]) => [name, new Map(rows)]));
    for (const item of input.TransactItems ?? []) {
      const ok = item.Put ? put(item.Put) : item.Delete ? remove(item.Delete) : false;
      if (!ok) {
        tables.clear();
        for (const [name, rows] of snapshot) tables.set(name, rows);
        throw new TransactionCanceledException({
          message: "Transaction cancelled: ConditionalCheckFailed",
          $metadata: {},
        });
      }
    }
    return {};
  });
  return {
    documents: DynamoDBDocumentClient.from(new DynamoDBClient({ region: "eu-west-1" })),
    reset: () => {
      tables.clear();
    },
    restore: () => client.restore(),
  };
}
