import { type KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from "@aws-sdk/client-kinesis";
import type { PutFailure, StreamEntry, StreamProducer } from "@fleetline/core";

/** Kinesis PutRecords limits: 500 records and 5 MiB per request. */
const MAX_RECORDS = 500;
const MAX_BYTES = 5 * 1024 * 1024;

export interface ProducerOptions {
  /** Tries per entry, the first included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

function chunks(entries: readonly StreamEntry[]): number[][] {
  const result: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  entries.forEach((entry, index) => {
    const size = entry.data.length + entry.partitionKey.length;
    if (current.length === MAX_RECORDS || (current.length > 0 && bytes + size > MAX_BYTES)) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(index);
    bytes += size;
  });
  if (current.length > 0) result.push(current);
  return result;
}

/**
 * The StreamProducer on the Kinesis API (AWS, or the local Kinesis twin through the same SDK).
 * PutRecords can fail some entries and accept the rest; only the failed ones are sent again, with
 * jittered exponential backoff.
 */
export class KinesisStreamProducer implements StreamProducer {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    private readonly client: KinesisClient,
    options: ProducerOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 50;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  async put(stream: string, entries: readonly StreamEntry[]): Promise<PutFailure[]> {
    const failures: PutFailure[] = [];
    for (const chunk of chunks(entries)) failures.push(...(await this.putChunk(stream, entries, chunk)));
    return failures;
  }

  private async putChunk(
    stream: string,
    entries: readonly StreamEntry[],
    indexes: number[],
  ): Promise<PutFailure[]> {
    let pending = indexes;
    let lastErrors = new Map<number, { errorCode: string; errorMessage: string }>();
    for (let attempt = 0; attempt < this.maxAttempts && pending.length > 0; attempt++) {
      if (attempt > 0) await this.sleep(this.baseDelayMs * 2 ** (attempt - 1) * (0.5 + this.random()));
      const records: PutRecordsRequestEntry[] = pending.map((index) => {
        const entry = entries[index] as StreamEntry;
        return { PartitionKey: entry.partitionKey, Data: entry.data };
      });
      try {
        const result = await this.client.send(
          new PutRecordsCommand({ StreamName: stream, Records: records }),
        );
        const stillFailed: number[] = [];
        lastErrors = new Map();
        (result.Records ?? []).forEach((record, position) => {
          const index = pending[position] as number;
          if (record.ErrorCode) {
            stillFailed.push(index);
            lastErrors.set(index, { errorCode: record.ErrorCode, errorMessage: record.ErrorMessage ?? "" });
          }
        });
        pending = stillFailed;
      } catch (error) {
        const errorCode = error instanceof Error ? error.name : "Error";
        const errorMessage = error instanceof Error ? error.message : String(error);
        lastErrors = new Map(pending.map((index) => [index, { errorCode, errorMessage }]));
      }
    }
    return pending.map((index) => ({
      index,
      ...(lastErrors.get(index) ?? { errorCode: "Unknown", errorMessage: "" }),
    }));
  }
}
