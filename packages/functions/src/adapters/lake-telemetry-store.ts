import {
  type LakeRow,
  lakeRow,
  recordKey,
  type TelemetryRecord,
  type TelemetryStore,
  type WriteResult,
} from "@fleetline/core/telemetry";
import type { DynamoDbLatestTelemetry } from "./dynamodb-latest-telemetry.js";

/** Where lake rows go: Firehose on AWS (`FirehoseLakeSink`), Parquet files in the offline tests. */
export interface LakeSink {
  put(rows: readonly LakeRow[]): Promise<void>;
}

/**
 * The telemetry store of a lake stage: every record as a row of the lake (through Firehose, to
 * Parquet on S3), and each thing's newest record in DynamoDB for the fleet view. Like Timestream,
 * the lake takes a replay without a word; the queries count each (thing, seq, ts) once.
 */
export class LakeTelemetryStore implements TelemetryStore {
  constructor(
    private readonly sink: LakeSink,
    private readonly latest: DynamoDbLatestTelemetry,
  ) {}

  async write(records: readonly TelemetryRecord[]): Promise<WriteResult> {
    const unique = new Map<string, TelemetryRecord>();
    for (const record of records) if (!unique.has(recordKey(record))) unique.set(recordKey(record), record);
    const kept = [...unique.values()];
    await this.sink.put(kept.map(lakeRow));
    await this.latest.keep(kept);
    return { stored: kept.length, duplicates: records.length - kept.length };
  }
}
