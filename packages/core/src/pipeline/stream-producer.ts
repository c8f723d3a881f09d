export interface StreamEntry {
  partitionKey: string;
  data: Uint8Array;
}

export interface PutFailure {
  /** Index into the entries given to `put`. */
  index: number;
  errorCode: string;
  errorMessage: string;
  /**
   * False when the stream can never take the entry as it is (too large, a partition key out of
   * bounds, no such stream): retrying cannot help, so it goes to an error destination.
   */
  retryable: boolean;
}

/** Puts records on a Kinesis stream (the real Kinesis API, or the local Kinesis stand-in). */
export interface StreamProducer {
  /**
   * Puts every entry, retrying failed entries with backoff, and keeps each partition key's
   * entries in the order given: an entry is never accepted ahead of an earlier entry of its key
   * that failed (when one fails for good, the later entries of its key fail with it, unless the
   * stream can never take it). Returns the entries still failed when the retries ran out (none,
   * normally).
   */
  put(stream: string, entries: readonly StreamEntry[]): Promise<PutFailure[]>;
}
