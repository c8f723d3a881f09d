import {
  type _Record,
  type FirehoseClient,
  PutRecordBatchCommand,
  type PutRecordBatchCommandOutput,
} from "@aws-sdk/client-firehose";
import { fleetlineError } from "@fleetline/core/common";
import type { LakeRow } from "@fleetline/core/telemetry";

/** PutRecordBatch's limits: 500 records and 4 MiB a request. */
export const FIREHOSE_LIMITS = { records: 500, bytes: 4 * 1024 * 1024 } as const;

export interface FirehoseLakeSinkOptions {
  /** Attempts for entries Firehose refuses (throttling, its own faults) before the batch fails. */
  attempts?: number;
  baseDelayMs?: number;
}

/**
 * Sends lake rows to the Firehose delivery stream that writes them to S3 as Parquet (one JSON
 * object per record, newline-terminated: what Firehose's JSON → Parquet conversion reads). Entries
 * Firehose refuses are sent again with backoff; what is still refused fails the write, transiently,
 * so the event source retries the batch — a row already delivered is then delivered again, and the
 * lake's queries count each (thing, seq, ts) once.
 */
export class FirehoseLakeSink {
  constructor(
    private readonly client: FirehoseClient,
    private readonly deliveryStream: string,
    private readonly options: FirehoseLakeSinkOptions = {},
  ) {}

  async put(rows: readonly LakeRow[]): Promise<void> {
    const encoder = new TextEncoder();
    let chunk: _Record[] = [];
    let bytes = 0;
    for (const row of rows) {
      const data = encoder.encode(`${JSON.stringify(row)}\n`);
      if (chunk.length === FIREHOSE_LIMITS.records || bytes + data.length > FIREHOSE_LIMITS.bytes) {
        await this.send(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push({ Data: data });
      bytes += data.length;
    }
    if (chunk.length > 0) await this.send(chunk);
  }

  private async send(records: _Record[]): Promise<void> {
    const attempts = this.options.attempts ?? 4;
    let pending = records;
    let lastError = "";
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) {
        const delay = (this.options.baseDelayMs ?? 100) * 2 ** (attempt - 2);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
      let answer: PutRecordBatchCommandOutput;
      try {
        answer = await this.client.send(
          new PutRecordBatchCommand({ DeliveryStreamName: this.deliveryStream, Records: pending }),
        );
      } catch (error) {
        throw fleetlineError(
          "STORE_UNAVAILABLE",
          `Firehose PutRecordBatch failed: ${(error as Error).message}`,
          error,
        );
      }
      const refused = (answer.RequestResponses ?? []).flatMap((response, i) =>
        response.ErrorCode ? [{ record: pending[i] as _Record, error: response }] : [],
      );
      if (refused.length === 0) return;
      lastError = `${refused[0]?.error.ErrorCode}: ${refused[0]?.error.ErrorMessage ?? ""}`;
      pending = refused.map((r) => r.record);
    }
    throw fleetlineError(
      "THROTTLED",
      `Firehose refused ${pending.length} of ${records.length} records ${attempts} times (${lastError})`,
    );
  }
}
