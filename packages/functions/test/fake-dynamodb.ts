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

const PAGE_ITEMS = 25;
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

  /**
   * One page of a query or scan: DynamoDB stops at 1 MB, the fake at PAGE_ITEMS (or Limit), and
   * hands back the last item's key to start the next page after.
   */
  function page(items: Item[], limit: number | undefined, start: Item | undefined) {
    const from = start === undefined ? 0 : items.findIndex((item) => keyOf(item) === keyOf(start)) + 1;
    const size = Math.min(limit ?? PAGE_ITEMS, PAGE_ITEMS);
    const slice = items.slice(from, from + size);
    const last = slice.at(-1);
    const more = from + size < items.length && last !== undefined;
    return {
      Items: structuredClone(slice),
      ...(more
        ? { LastEvaluatedKey: { pk: last.pk, ...(last.sk === undefined ? {} : { sk: last.sk }) } }
        : {}),
    };
  }

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
    return page(items, input.Limit, input.ExclusiveStartKey);
  });
  client.on(ScanCommand).callsFake((input) => {
    const items = [...table(input.TableName).values()];
    const { Items = [], ...rest } = page(items, input.Limit, input.ExclusiveStartKey);
    if (input.FilterExpression === undefined) return { Items, ...rest };
    if (input.FilterExpression !== "#status = :pending AND expiresAt <= :now") {
      throw new Error(`the fake does not understand the filter ${input.FilterExpression}`);
    }
    // As in DynamoDB, the filter applies to the page read, after the page is cut.
    const values = input.ExpressionAttributeValues as Item;
    return {
      Items: Items.filter(
        (i) => i.status === values[":pending"] && (i.expiresAt as number) <= (values[":now"] as number),
      ),
      ...rest,
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
