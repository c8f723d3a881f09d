export interface StreamEntry {
  partitionKey: string;
  data: Uint8Array;
}

/** Puts records on a Kinesis stream (the real Kinesis API, or the local Kinesis twin). */
export interface StreamProducer {
  /**
   * Puts every entry, retrying only the entries a partial failure rejected, with backoff; order per
   * partition key is kept. Throws TransientError (STREAM_WRITE_FAILED) when retries run out.
   */
  put(stream: string, entries: readonly StreamEntry[]): Promise<void>;
}
