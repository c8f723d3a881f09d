import type { StreamEntry } from "@fleetline/core/pipeline";

/** Kinesis PutRecords limits (API reference, PutRecords and PutRecordsRequestEntry). */
export const KINESIS_LIMITS = {
  recordsPerRequest: 500,
  bytesPerRequest: 5 * 1024 * 1024,
  /** Data plus partition key, per record. */
  bytesPerRecord: 1024 * 1024,
  partitionKeyMaxLength: 256,
} as const;

function entryBytes(entry: StreamEntry): number {
  return entry.data.length + Buffer.byteLength(entry.partitionKey);
}

/** Why Kinesis would refuse this entry whatever else is in the request, or undefined. */
export function kinesisEntryProblem(entry: StreamEntry): string | undefined {
  const keyLength = entry.partitionKey.length;
  if (keyLength < 1 || keyLength > KINESIS_LIMITS.partitionKeyMaxLength) {
    return `partition key of ${keyLength} characters; Kinesis takes 1 to ${KINESIS_LIMITS.partitionKeyMaxLength}`;
  }
  const bytes = entryBytes(entry);
  if (bytes > KINESIS_LIMITS.bytesPerRecord) {
    return `record of ${bytes} bytes (data and partition key); Kinesis takes at most ${KINESIS_LIMITS.bytesPerRecord}`;
  }
  return undefined;
}

/** Splits entries (by index, in order) into PutRecords requests within the count and size limits. */
export function putRecordsRequests(indexes: readonly number[], entries: readonly StreamEntry[]): number[][] {
  const requests: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const index of indexes) {
    const size = entryBytes(entries[index] as StreamEntry);
    const full =
      current.length === KINESIS_LIMITS.recordsPerRequest ||
      (current.length > 0 && bytes + size > KINESIS_LIMITS.bytesPerRequest);
    if (full) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    current.push(index);
    bytes += size;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

/** Per-record PutRecords error codes that a later try can get past. */
const RETRYABLE_ENTRY_ERRORS = new Set([
  "ProvisionedThroughputExceededException",
  "InternalFailure",
  "KMSThrottlingException",
]);

export function retryableEntryError(errorCode: string): boolean {
  return RETRYABLE_ENTRY_ERRORS.has(errorCode);
}

/** Request errors about something in the request's records, not about the stream or the service. */
const CONTENT_ERRORS = new Set(["ValidationException", "InvalidArgumentException", "SerializationException"]);

/**
 * What a failed PutRecords call says: `transient` (throttling, a server or network fault: try
 * again), `content` (one of the records is at fault: split the request to find it) or `stream`
 * (no such stream, no permission: no record can be written).
 */
export function requestErrorScope(error: unknown): "transient" | "content" | "stream" {
  const details = error as {
    name?: string;
    $fault?: "client" | "server";
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  const name = details?.name ?? "";
  if (CONTENT_ERRORS.has(name)) return "content";
  const status = details?.$metadata?.httpStatusCode;
  if (
    details?.$retryable ||
    details?.$fault === "server" ||
    retryableEntryError(name) ||
    name === "LimitExceededException" ||
    status === undefined ||
    status >= 500 ||
    status === 429
  ) {
    return "transient";
  }
  // kinesalite answers a request over its size limit with a bare 413.
  if (status === 413) return "content";
  return "stream";
}
