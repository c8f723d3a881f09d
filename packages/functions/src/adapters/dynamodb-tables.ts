/**
 * The DynamoDB tables' keys and indexes, shared by the Storage stack that creates them and the
 * adapters that query them (and the tests' DynamoDB double), so the three cannot drift apart.
 * Every read on a request or invocation path is a GetItem or a Query on one of these keys: no
 * table is ever scanned. Indexes whose key attributes only some items carry are sparse: the owing
 * states, the pending commands.
 */
export interface KeySchema {
  partition: string;
  sort?: string;
  /** The sort key's type: a string unless said. */
  sortType?: "string" | "number";
  /**
   * An index's attributes besides the keys, when it holds less than the whole item (a projection
   * of INCLUDE; none: KEYS_ONLY): its items stay small, and so do its writes.
   */
  include?: readonly string[];
}

export interface TableSchema {
  key: KeySchema;
  indexes: Record<string, KeySchema>;
  /** The TTL attribute: epoch seconds after which DynamoDB deletes the item. */
  ttl: string;
}

export const DYNAMODB_TABLES = {
  /** Alarm states (`state#{thing}`, code) and alert records (`alert#{id}`, "alert"). */
  alarms: {
    key: { partition: "pk", sort: "sk" },
    indexes: {
      /** Every alert, newest first (`gsi1sk` = zero-padded openedAt # id). */
      byTime: { partition: "gsi1pk", sort: "gsi1sk" },
      byStatus: { partition: "status", sort: "gsi1sk" },
      byThing: { partition: "thing", sort: "gsi1sk" },
      /** Sparse: the states whose outbox is not empty, longest-owing first. */
      owing: { partition: "owing", sort: "owingSince", sortType: "number" },
    },
    ttl: "ttl",
  },
  /** Commands by id. */
  commands: {
    key: { partition: "pk" },
    indexes: {
      byTime: { partition: "gsi1pk", sort: "gsi1sk" },
      byThing: { partition: "thing", sort: "gsi1sk" },
      /** Sparse: a thing's pending commands, oldest first. */
      pendingByThing: { partition: "pendingThing", sort: "gsi1sk" },
      /** Sparse: every pending command by deadline, for the sweep. */
      pendingByDeadline: { partition: "pending", sort: "deadline", sortType: "number" },
    },
    ttl: "ttl",
  },
  /**
   * The newest record of each thing (lake stages: the fleet view never waits for Athena). The
   * `byShard` index lists every thing, spread over LATEST_SHARDS partitions so no one takes every
   * write; it holds the keys only, so it is written once per thing, not with every record (an
   * index is written whenever an attribute it holds changes).
   */
  latest: {
    key: { partition: "thing" },
    indexes: { byShard: { partition: "shard", sort: "thing", include: [] } },
    ttl: "ttl",
  },
  /** Each device's presence from lifecycle events, listed by index shard as `latest` is. */
  presence: {
    key: { partition: "thing" },
    indexes: { byShard: { partition: "shard", sort: "thing" } },
    ttl: "ttl",
  },
  /** Quarantined messages, newest first (`sk` = zero-padded receivedAt # messageId). */
  quarantine: {
    key: { partition: "pk", sort: "sk" },
    indexes: {},
    ttl: "ttl",
  },
} as const satisfies Record<string, TableSchema>;

/** A sort key that orders by time, then id, as strings: `000001764297000000#id`. */
export function timeSortKey(at: number, id: string): string {
  return `${String(at).padStart(15, "0")}#${id}`;
}
