import {
  type _Record,
  type MeasureValue,
  RejectedRecordsException,
  ThrottlingException,
  type TimestreamWriteClient,
  WriteRecordsCommand,
} from "@aws-sdk/client-timestream-write";
import { fleetlineError } from "@fleetline/core/common";
import {
  readingsOf,
  recordKey,
  type TelemetryRecord,
  type TelemetryStore,
  type WriteResult,
} from "@fleetline/core/telemetry";

/** Timestream: at most 100 records per WriteRecords. */
const MAX_RECORDS = 100;
export const TIMESTREAM_MEASURE = "telemetry";

export interface TimestreamStoreOptions {
  database: string;
  table: string;
  maxAttempts?: number;
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * One multi-measure record per message: dimensions thing, type and seq, the device time, every
 * numeric reading as DOUBLE plus `state`, `receivedAt`, `messageId` and `faults`, and the receive
 * time as the version. Timestream identifies a record by its dimensions, time and measure name:
 * with `seq` among the dimensions a replay of a message is the same record (taken again without a
 * second row), and two messages a device stamped with the same time stay two records.
 */
export function timestreamRecord(record: TelemetryRecord): _Record {
  const measures: MeasureValue[] = readingsOf(record).map(({ metric, value }) => ({
    Name: metric,
    Value: String(value),
    Type: "DOUBLE",
  }));
  // Enough to give back the whole record (TimestreamTelemetryQuery.latest).
  measures.push({ Name: "state", Value: record.metrics.state, Type: "VARCHAR" });
  measures.push({ Name: "receivedAt", Value: String(record.receivedAt), Type: "BIGINT" });
  measures.push({ Name: "messageId", Value: record.messageId, Type: "VARCHAR" });
  measures.push({ Name: "faults", Value: JSON.stringify(record.faults), Type: "VARCHAR" });
  return {
    Dimensions: [
      { Name: "thing", Value: record.thing },
      { Name: "type", Value: record.type },
      { Name: "seq", Value: String(record.seq) },
    ],
    Time: String(record.ts),
    Version: record.receivedAt,
    MeasureValues: measures,
  };
}

/**
 * The telemetry store on Amazon Timestream for LiveAnalytics. Rejected records are sorted per
 * record: one the table already holds at an equal or later version is a replay (a duplicate); any
 * other rejection is returned for quarantine. Throttling is retried with backoff.
 */
export class TimestreamTelemetryStore implements TelemetryStore {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: TimestreamWriteClient,
    private readonly options: TimestreamStoreOptions,
  ) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async write(batch: readonly TelemetryRecord[]): Promise<WriteResult> {
    // A batch can carry the same message twice (a device resend): one write, one duplicate.
    const unique = new Map(batch.map((record) => [recordKey(record), record]));
    const records = [...unique.values()];
    const result: Required<WriteResult> = {
      stored: 0,
      duplicates: batch.length - records.length,
      rejected: [],
    };
    for (let start = 0; start < records.length; start += MAX_RECORDS) {
      const chunk = records.slice(start, start + MAX_RECORDS);
      const rejections = await this.writeChunk(chunk);
      for (const { index, reason, existingVersion } of rejections) {
        const record = chunk[index] as TelemetryRecord;
        if (existingVersion !== undefined && existingVersion >= record.receivedAt) result.duplicates += 1;
        else result.rejected.push({ record, reason });
      }
      result.stored += chunk.length - rejections.length;
    }
    return result;
  }

  private async writeChunk(chunk: readonly TelemetryRecord[]) {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(
          new WriteRecordsCommand({
            DatabaseName: this.options.database,
            TableName: this.options.table,
            CommonAttributes: {
              MeasureName: TIMESTREAM_MEASURE,
              MeasureValueType: "MULTI",
              TimeUnit: "MILLISECONDS",
            },
            Records: chunk.map(timestreamRecord),
          }),
        );
        return [];
      } catch (error) {
        if (error instanceof RejectedRecordsException) {
          return (error.RejectedRecords ?? []).map((r) => ({
            index: r.RecordIndex ?? 0,
            reason: r.Reason ?? "rejected",
            existingVersion: r.ExistingVersion,
          }));
        }
        if (!(error instanceof ThrottlingException) || attempt >= this.maxAttempts) {
          throw fleetlineError(
            "STORE_UNAVAILABLE",
            `Timestream WriteRecords failed: ${(error as Error).message}`,
            error,
          );
        }
        await this.sleep(this.baseDelayMs * 2 ** (attempt - 1));
      }
    }
  }
}
