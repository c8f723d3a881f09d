/** One stream record handed to a use case: its id (the sequence number) and its bytes. */
export interface StreamInput {
  id: string;
  data: Uint8Array;
}

/**
 * What a batch use case reports: the records to retry (infrastructure failures only), each with
 * its error. Bad data is never here: it is quarantined.
 */
export interface BatchOutcome {
  failed: Map<string, Error>;
}
