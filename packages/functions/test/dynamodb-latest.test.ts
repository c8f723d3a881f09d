import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { freestyleRecord } from "@fleetline/core/contract";
import type { TelemetryRecord } from "@fleetline/core/telemetry";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { DynamoDbLatestTelemetry } from "../src/adapters/dynamodb-latest-telemetry.js";
import { fakeDynamoDb } from "./fake-dynamodb.js";

const dynamo = fakeDynamoDb();
const latest = new DynamoDbLatestTelemetry(dynamo.documents, "latest");

beforeEach(() => dynamo.reset());
afterAll(() => dynamo.restore());

/** An item's size as DynamoDB bills it: attribute names and values, numbers at their 21-byte most. */
function itemBytes(item: Record<string, unknown>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += Buffer.byteLength(name);
    if (typeof value === "string") bytes += Buffer.byteLength(value);
    else if (typeof value === "number") bytes += 21;
    else if (value instanceof Uint8Array) bytes += value.byteLength;
    else bytes += Buffer.byteLength(JSON.stringify(value));
  }
  return bytes;
}

/** A report of about 1 KB: a dispenser with many sensors. */
function kilobyteRecord(thing: string, seq: number): TelemetryRecord {
  const record = freestyleRecord(thing, seq);
  const sensors: Record<string, number> = {};
  for (let i = 0; JSON.stringify(record).length + JSON.stringify(sensors).length < 1_040; i++)
    sensors[`sensor${i}TempC`] = Math.round(((i * 7919 + seq * 104729) % 10_000) / 3) / 100;
  return { ...record, metrics: { ...record.metrics, cartridges: sensors } } as TelemetryRecord;
}

describe("the latest table (DynamoDbLatestTelemetry)", () => {
  it("keeps a 1 KB report in an item under 1 KB, one write unit, and gives it back whole", async () => {
    const record = kilobyteRecord("fs-big", 7);
    expect(JSON.stringify(record).length).toBeGreaterThan(1_000);
    await latest.keep([record]);
    const [item] = dynamo.items("latest");
    expect(itemBytes(item as Record<string, unknown>)).toBeLessThan(1_024);
    expect(await latest.latest("fs-big")).toEqual(record);
  });

  it("lists the fleet from its keys-only index and one BatchGetItem per 100 things, never a Scan", async () => {
    const things = Array.from({ length: 230 }, (_, i) => `fs-${String(i).padStart(3, "0")}`);
    await latest.keep(things.map((thing) => freestyleRecord(thing, 2)));
    const before = dynamo.calls.length;
    const summaries = await latest.summaries();
    expect(summaries.map((s) => s.thing)).toEqual(things);
    expect(summaries[0]).toEqual({
      thing: "fs-000",
      type: "freestyle",
      lastSeen: freestyleRecord("fs-000", 2).receivedAt,
      state: "idle",
    });
    const calls = dynamo.calls.slice(before);
    expect(calls.filter((c) => c === "BatchGetItem")).toHaveLength(3);
    expect(calls).not.toContain("Scan");
  });

  it("still reads an item written before records were packed", async () => {
    const record = freestyleRecord("fs-old", 3);
    await dynamo.documents.send(
      new PutCommand({
        TableName: "latest",
        Item: {
          thing: "fs-old",
          shard: "s1",
          ts: record.ts,
          seq: 3,
          type: "freestyle",
          receivedAt: record.receivedAt,
          state: "dispensing",
          record,
        },
      }),
    );
    expect(await latest.latest("fs-old")).toEqual(record);
  });
});
