export interface StreamEntry {
  partitionKey: string;
  data: Uint8Array;
}

export interface PutFailure {
  /** Index into the entries given to `put`. */
  index: number;
  errorCode: string;
  errorMessage: string;
}

/** Puts records on a Kinesis stream (the real Kinesis API, or the local Kinesis twin). */
export interface StreamProducer {
  /**
   * Puts every entry, retrying only the entries a partial failure rejected, with backoff. Returns
   * the entries still failed when the retries ran out (none, normally).
   */
  put(stream: string, entries: readonly StreamEntry[]): Promise<PutFailure[]>;
}
