/**
 * An injected failure of the runtime's storage — DuckDB and the Kinesis stand-in's LevelDB — as
 * the fault-injection suite uses it: while `full` is on, every write fails the way each engine
 * reports a full disk, and reads go on. Turning it off is the space coming back.
 */
export class DiskFailures {
  full = false;

  /** The error a write to `file` gets while the disk is full. */
  noSpace(file: string): Error {
    return Object.assign(new Error(`IO error: ${file}: No space left on device`), { code: "ENOSPC" });
  }
}
