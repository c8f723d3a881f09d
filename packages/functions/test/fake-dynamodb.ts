import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { DYNAMODB_TABLES, type KeySchema, type TableSchema } from "../src/adapters/dynamodb-tables.js";

type Item = Record<string, unknown>;
type Names = Record<string, string> | undefined;
type Values = Record<string, unknown> | undefined;

/** DynamoDB stops a page at 1 MB; the double at this many items (or Limit), to exercise paging. */
const PAGE_ITEMS = 25;

class ValidationException extends Error {
  override readonly name = "ValidationException";
}

/**
 * An in-memory DynamoDB behind aws-sdk-client-mock, built from the same key schemas as the stack
 * (`DYNAMODB_TABLES`, by table name): GetItem, PutItem, DeleteItem, TransactWriteItems with
 * conditions, and Query on a table or an index — sparse indexes, key conditions `=` and `<=` or `>=`
 * on the sort key, filters, Limit counting items read before the filter, ExclusiveStartKey — and
 * ascending or descending order. Scan is refused: no Fleetline path may scan a table. An
 * expression it does not know fails loudly, so no adapter passes the contract suites by accident.
 */
export function fakeDynamoDb(schemas: Record<string, TableSchema> = DYNAMODB_TABLES) {
  const tables = new Map<string, Map<string, Item>>();
  const calls: string[] = [];
  const schemaOf = (name: string): TableSchema => {
    const schema = schemas[name];
    if (!schema) throw new Error(`the double has no table ${name}`);
    return schema;
  };
  const table = (name: string) => {
    schemaOf(name);
    const rows = tables.get(name) ?? new Map<string, Item>();
    tables.set(name, rows);
    return rows;
  };
  const keyOf = (name: string, item: Item) => {
    const { partition, sort } = schemaOf(name).key;
    return `${String(item[partition])}\u0000${sort ? String(item[sort]) : ""}`;
  };

  const name = (token: string, names: Names) => (token.startsWith("#") ? (names?.[token] ?? "") : token);

  /**
   * Conditions as DynamoDB evaluates them, for what the adapters write: `attribute_not_exists(a)`,
   * comparisons of an attribute with a value (`=`, `<>`, `<`, `<=`, `>`, `>=`), AND, OR and
   * parentheses (names may be `#placeholders`). Anything else fails the test.
   */
  function check(existing: Item | undefined, condition: string | undefined, names: Names, values: Values) {
    if (condition === undefined) return true;
    const tokens = condition.match(/attribute_not_exists\(#?\w+\)|<=|>=|<>|[()=<>]|:\w+|#?\w+/g) ?? [];
    let at = 0;
    const fail = (): never => {
      throw new Error(`the double does not understand the condition ${condition}`);
    };
    const factor = (): boolean => {
      const token = tokens[at++] ?? fail();
      if (token === "(") {
        const value = or();
        if (tokens[at++] !== ")") fail();
        return value;
      }
      const notExists = /^attribute_not_exists\((#?\w+)\)$/.exec(token);
      if (notExists) return existing?.[name(notExists[1] as string, names)] === undefined;
      const op = tokens[at++] ?? fail();
      const operand = tokens[at++] ?? fail();
      if (!operand.startsWith(":")) fail();
      if (existing === undefined) return false;
      const left = existing[name(token, names)] as number | string | undefined;
      const right = values?.[operand] as number | string | undefined;
      if (left === undefined || right === undefined) return false;
      const compare: Record<string, boolean> = {
        "=": left === right,
        "<>": left !== right,
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
      };
      return compare[op] ?? fail();
    };
    const and = (): boolean => {
      let value = factor();
      while (tokens[at] === "AND") {
        at++;
        value = factor() && value;
      }
      return value;
    };
    const or = (): boolean => {
      let value = and();
      while (tokens[at] === "OR") {
        at++;
        value = and() || value;
      }
      return value;
    };
    const result = or();
    if (at !== tokens.length) fail();
    return result;
  }

  interface Write {
    TableName?: string;
    Item?: Item;
    Key?: Item;
    ConditionExpression?: string;
    ExpressionAttributeNames?: Names;
    ExpressionAttributeValues?: Values;
  }

  function apply(write: Write, kind: "put" | "delete"): boolean {
    const rows = table(write.TableName as string);
    const item = structuredClone((kind === "put" ? write.Item : write.Key) as Item);
    const key = keyOf(write.TableName as string, item);
    if (
      !check(
        rows.get(key),
        write.ConditionExpression,
        write.ExpressionAttributeNames,
        write.ExpressionAttributeValues,
      )
    )
      return false;
    if (kind === "put") rows.set(key, item);
    else rows.delete(key);
    return true;
  }

  function compareSort(a: unknown, b: unknown, type: KeySchema["sortType"]): number {
    if (type === "number") return (a as number) - (b as number);
    return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
  }

  function query(input: {
    TableName?: string;
    IndexName?: string;
    KeyConditionExpression?: string;
    FilterExpression?: string;
    ExpressionAttributeNames?: Names;
    ExpressionAttributeValues?: Values;
    ScanIndexForward?: boolean;
    Limit?: number;
    ExclusiveStartKey?: Item;
  }) {
    const tableName = input.TableName as string;
    const schema = schemaOf(tableName);
    const keys =
      input.IndexName === undefined
        ? schema.key
        : (schema.indexes as Record<string, KeySchema>)[input.IndexName];
    if (!keys) throw new Error(`the double has no index ${input.IndexName} on ${tableName}`);
    const names = input.ExpressionAttributeNames;
    const values = input.ExpressionAttributeValues ?? {};
    const condition = /^(#?\w+) = (:\w+)(?: AND (#?\w+) (<=|>=) (:\w+))?$/.exec(
      input.KeyConditionExpression ?? "",
    );
    if (!condition)
      throw new Error(`the double does not understand the key condition ${input.KeyConditionExpression}`);
    const [, partitionName, partitionValue, sortName, sortOp, sortValue] = condition;
    if (name(partitionName as string, names) !== keys.partition)
      throw new ValidationException(`Query condition missed key schema element: ${keys.partition}`);
    if (sortName !== undefined && name(sortName, names) !== keys.sort)
      throw new ValidationException(`Query condition missed key schema element: ${keys.sort}`);
    const wanted = values[partitionValue as string];
    const order = (a: Item, b: Item) =>
      (keys.sort ? compareSort(a[keys.sort], b[keys.sort], keys.sortType) : 0) ||
      (keyOf(tableName, a) < keyOf(tableName, b) ? -1 : keyOf(tableName, a) > keyOf(tableName, b) ? 1 : 0);
    let items = [...table(tableName).values()]
      // An index holds only the items that carry its key attributes.
      .filter((item) => item[keys.partition] === wanted && (!keys.sort || item[keys.sort] !== undefined))
      .filter((item) => {
        if (sortValue === undefined) return true;
        const compared = compareSort(item[keys.sort as string], values[sortValue], keys.sortType);
        return sortOp === "<=" ? compared <= 0 : compared >= 0;
      })
      .sort(order);
    if (input.ScanIndexForward === false) items.reverse();
    const start = input.ExclusiveStartKey;
    if (start !== undefined) {
      const after = (item: Item) =>
        input.ScanIndexForward === false ? order(item, start) < 0 : order(item, start) > 0;
      items = items.filter(after);
    }
    const size = Math.min(input.Limit ?? PAGE_ITEMS, PAGE_ITEMS);
    // An index that projects some attributes (or only the keys) holds the keys and those only.
    const projected = (item: Item): Item => {
      if (!keys.include) return item;
      const kept = [schema.key.partition, schema.key.sort, keys.partition, keys.sort, ...keys.include];
      return Object.fromEntries(Object.entries(item).filter(([attribute]) => kept.includes(attribute)));
    };
    const read = items.slice(0, size).map(projected);
    const last = read.at(-1);
    // As DynamoDB: Limit counts the items read; the filter applies after.
    let returned = read;
    if (input.FilterExpression !== undefined) {
      const filter = /^(#?\w+) = (:\w+)$/.exec(input.FilterExpression);
      if (!filter) throw new Error(`the double does not understand the filter ${input.FilterExpression}`);
      returned = read.filter(
        (item) => item[name(filter[1] as string, names)] === values[filter[2] as string],
      );
    }
    const lastKey =
      items.length > size && last !== undefined
        ? Object.fromEntries(
            [schema.key.partition, schema.key.sort, keys.partition, keys.sort]
              .filter((attribute): attribute is string => attribute !== undefined)
              .map((attribute) => [attribute, last[attribute]]),
          )
        : undefined;
    return { Items: structuredClone(returned), ...(lastKey ? { LastEvaluatedKey: lastKey } : {}) };
  }

  const client = mockClient(DynamoDBDocumentClient);
  client.on(PutCommand).callsFake((input) => {
    calls.push("PutItem");
    if (!apply(input, "put"))
      throw new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });
    return {};
  });
  client.on(DeleteCommand).callsFake((input) => {
    calls.push("DeleteItem");
    if (!apply(input, "delete"))
      throw new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });
    return {};
  });
  client.on(GetCommand).callsFake((input) => {
    calls.push("GetItem");
    const item = table(input.TableName).get(keyOf(input.TableName, input.Key));
    return { Item: item && structuredClone(item) };
  });
  client.on(BatchGetCommand).callsFake((input) => {
    calls.push("BatchGetItem");
    const requests = Object.entries(input.RequestItems ?? {}) as Array<
      [
        string,
        { Keys?: Item[]; ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string> },
      ]
    >;
    const count = requests.reduce((n, [, r]) => n + (r.Keys?.length ?? 0), 0);
    if (count > 100) throw new ValidationException("Too many items requested for the BatchGetItem call");
    const Responses = Object.fromEntries(
      requests.map(([tableName, request]) => {
        const names = request.ExpressionAttributeNames ?? {};
        const wanted = request.ProjectionExpression?.split(",").map((part) => name(part.trim(), names));
        const items = (request.Keys ?? []).flatMap((key) => {
          const item = table(tableName).get(keyOf(tableName, key));
          if (!item) return [];
          const kept = wanted
            ? Object.fromEntries(Object.entries(item).filter(([a]) => wanted.includes(a)))
            : item;
          return [structuredClone(kept)];
        });
        return [tableName, items];
      }),
    );
    return { Responses, UnprocessedKeys: {} };
  });
  client.on(QueryCommand).callsFake((input) => {
    calls.push("Query");
    return query(input);
  });
  client.on(ScanCommand).callsFake(() => {
    calls.push("Scan");
    throw new Error("Scan: no Fleetline path may read a whole table");
  });
  client.on(TransactWriteCommand).callsFake((input) => {
    calls.push("TransactWriteItems");
    const writes = input.TransactItems ?? [];
    if (writes.length > 100)
      throw new ValidationException("Member must have length less than or equal to 100");
    const touched = writes.map((w: (typeof writes)[number]) => {
      const write = (w.Put ?? w.Delete) as Write;
      return `${write.TableName}\u0000${keyOf(write.TableName as string, (w.Put ? write.Item : write.Key) as Item)}`;
    });
    if (new Set(touched).size !== touched.length)
      throw new ValidationException("Transaction request cannot include multiple operations on one item");
    const snapshot = new Map([...tables].map(([tableName, rows]) => [tableName, new Map(rows)]));
    for (const write of writes) {
      const ok = write.Put ? apply(write.Put, "put") : write.Delete ? apply(write.Delete, "delete") : false;
      if (!ok) {
        tables.clear();
        for (const [tableName, rows] of snapshot) tables.set(tableName, rows);
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
    /** Every API call made, by DynamoDB's operation name. */
    calls,
    /** A table's items as stored. */
    items: (name: string): Item[] => [...table(name).values()].map((item) => structuredClone(item)),
    reset: () => {
      tables.clear();
    },
    restore: () => client.restore(),
  };
}
