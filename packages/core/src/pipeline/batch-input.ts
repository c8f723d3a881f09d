/** One stream record handed to a use case: its id (the sequence number) and its bytes. */
export interface StreamInput {
  id: string;
  data: Uint8Array;
}

/**
 * What a batch use case reports: the records it could not finish, each with its error. The
 * error's kind decides what becomes of the record (`recordDisposition`): a transient one is
 * retried, a poison one dead-lettered. Bad telemetry is not here: it is quarantined.
 */
export interface BatchOutcome {
  failed: Map<string, Error>;
}
