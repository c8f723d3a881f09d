/**
 * An injected failure of the runtime's storage — DuckDB and the Kinesis stand-in's shard logs — as
 * the fault-injection suite uses it: while `full` is on, every write fails the way each engine
 * reports a full disk, and reads go on. Turning it off is the space coming back.
 */
export class DiskFailures {
  full = false;
  /** While on, writes go through but making them durable (fsync) fails, as a failing disk's does. */
  syncFails = false;

  /** The error a write to `file` gets while the disk is full. */
  noSpace(file: string): Error {
    return Object.assign(new Error(`IO error: ${file}: No space left on device`), { code: "ENOSPC" });
  }

  /** The error an fsync of `file` gets while `syncFails` is on. */
  ioError(file: string): Error {
    return Object.assign(new Error(`IO error: ${file}: Input/output error`), { code: "EIO" });
  }
}
