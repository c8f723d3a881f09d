import {
  RejectedRecordsException,
  ThrottlingException,
  TimestreamWriteClient,
  WriteRecordsCommand,
} from "@aws-sdk/client-timestream-write";
import { storeRecords, type TelemetryRecord } from "@fleetline/core/telemetry";
import { MemoryQuarantine } from "@fleetline/testing";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { TimestreamTelemetryStore } from "../src/adapters/timestream-telemetry-store.js";

const timestream = mockClient(TimestreamWriteClient);

beforeEach(() => timestream.reset());

function record(seq: number): TelemetryRecord {
  return {
    thing: "fs-ts",
    type: "freestyle",
    seq,
    ts: 1_764_297_000_000 + seq * 1000,
    receivedAt: 1_764_297_000_500 + seq * 1000,
    messageId: `m${seq}`,
    metrics: {
      cabinetTempC: 4.5,
      co2Kpa: 410,
      waterKpa: 280,
      pours: 2,
      cartridges: { cola: 50 },
      state: "idle",
    },
    faults: [],
  };
}

const store = (options: { maxAttempts?: number } = {}) =>
  new TimestreamTelemetryStore(new TimestreamWriteClient({ region: "eu-west-1" }), {
    database: "fleetline-prod",
    table: "telemetry",
    sleep: async () => undefined,
    ...options,
  });

describe("TimestreamTelemetryStore (mocked Timestream)", () => {
  it("writes chunks of at most 100 multi-measure records with common attributes", async () => {
    timestream.on(WriteRecordsCommand).resolves({});
    const records = Array.from({ length: 250 }, (_, i) => record(i));
    expect(await store().write(records)).toEqual({ stored: 250, duplicates: 0, rejected: [] });
    const calls = timestream.commandCalls(WriteRecordsCommand);
    expect(calls.map((c) => c.args[0].input.Records?.length)).toEqual([100, 100, 50]);
    const input = calls[0]?.args[0].input;
    expect(input).toMatchObject({
      DatabaseName: "fleetline-prod",
      TableName: "telemetry",
      CommonAttributes: { MeasureName: "telemetry", MeasureValueType: "MULTI", TimeUnit: "MILLISECONDS" },
    });
    expect(input?.Records?.[1]).toEqual({
      Dimensions: [
        { Name: "thing", Value: "fs-ts" },
        { Name: "type", Value: "freestyle" },
        { Name: "seq", Value: "1" },
      ],
      Time: String(1_764_297_001_000),
      Version: 1_764_297_001_500,
      MeasureValues: [
        { Name: "cabinetTempC", Value: "4.5", Type: "DOUBLE" },
        { Name: "co2Kpa", Value: "410", Type: "DOUBLE" },
        { Name: "waterKpa", Value: "280", Type: "DOUBLE" },
        { Name: "pours", Value: "2", Type: "DOUBLE" },
        { Name: "cartridges.cola", Value: "50", Type: "DOUBLE" },
        { Name: "state", Value: "idle", Type: "VARCHAR" },
        { Name: "receivedAt", Value: "1764297001500", Type: "BIGINT" },
        { Name: "messageId", Value: "m1", Type: "VARCHAR" },
        { Name: "faults", Value: "[]", Type: "VARCHAR" },
      ],
    });
  });

  it("sorts 2 rejected of 100: a replay counts as a duplicate, a real rejection goes to quarantine", async () => {
    const records = Array.from({ length: 100 }, (_, i) => record(i));
    timestream.on(WriteRecordsCommand).rejects(
      new RejectedRecordsException({
        message: "One or more records have been rejected.",
        $metadata: {},
        RejectedRecords: [
          {
            RecordIndex: 10,
            Reason: "A record with the same version already exists.",
            ExistingVersion: records[10]?.receivedAt,
          },
          {
            RecordIndex: 42,
            Reason: "The record timestamp is outside the time range of the data ingestion window.",
          },
        ],
      }),
    );
    const quarantine = MemoryQuarantine.create();
    const counted: Array<Record<string, number | undefined>> = [];
    const outcome = await storeRecords(
      records.map((r) => ({ id: String(r.seq), data: new TextEncoder().encode(JSON.stringify(r)) })),
      {
        store: store(),
        counters: { add: async (c) => void counted.push(c), read: async () => ({}) as never },
        quarantine,
      },
    );
    expect(outcome.failed.size).toBe(0);
    expect(counted).toEqual([{ stored: 98, duplicates: 1 }]);
    expect(await quarantine.select({}, 10)).toEqual([
      expect.objectContaining({
        messageId: "m42",
        reason: "TIMESTAMP_TOO_OLD",
        topic: "dt/fleetline/freestyle/fs-ts/telemetry",
        detail: expect.stringContaining("outside the time range"),
      }),
    ]);
  });

  it("retries throttling with backoff, and reports a store that stays throttled as transient", async () => {
    timestream
      .on(WriteRecordsCommand)
      .rejectsOnce(new ThrottlingException({ message: "slow down", Message: "slow down", $metadata: {} }))
      .resolves({});
    expect(await store().write([record(1)])).toEqual({ stored: 1, duplicates: 0, rejected: [] });
    expect(timestream.commandCalls(WriteRecordsCommand)).toHaveLength(2);

    timestream.reset();
    timestream
      .on(WriteRecordsCommand)
      .rejects(new ThrottlingException({ message: "slow down", Message: "slow down", $metadata: {} }));
    await expect(store({ maxAttempts: 3 }).write([record(2)])).rejects.toMatchObject({
      code: "STORE_UNAVAILABLE",
      kind: "transient",
    });
    expect(timestream.commandCalls(WriteRecordsCommand)).toHaveLength(3);
  });
});
