/**
 * Which telemetry messages are the same message, and which came first (docs/guide/reliability.md).
 *
 * A message is identified by its thing, its `seq` and its device time `ts`. An exact replay (a
 * device resending an unacknowledged message, a batch retried after a crash) repeats all three and
 * is one record. A device that reboots and starts `seq` again from 0, or a thing deleted and
 * registered again, sends the same `seq` at a new `ts`: a new record. Timestream identifies a
 * record by its dimensions (thing, type, seq) and its time, which is the same rule.
 */
export interface RecordIdentity {
  thing: string;
  seq: number;
  ts: number;
}

/** A string that is equal for two records exactly when they are the same message. */
export function recordKey(record: RecordIdentity): string {
  return `${record.thing}\u0000${record.seq}\u0000${record.ts}`;
}

/** Where a record stands in its device's history: by device time, then by `seq`. */
export interface RecordPosition {
  seq: number;
  ts: number;
}

/**
 * True when `record` comes after `last` in its device's history: a later device time, or the same
 * time and a higher `seq`. A replay is never after what it repeats; the first message after a
 * reboot is, although its `seq` starts again.
 */
export function isAfter(record: RecordPosition, last: RecordPosition): boolean {
  return record.ts > last.ts || (record.ts === last.ts && record.seq > last.seq);
}
