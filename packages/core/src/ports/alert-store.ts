import type { AlarmState } from "../alarms/alarm-machine.js";
import type { AlertRecord } from "../schema/alert.js";

export interface AlertFilter {
  status?: AlertRecord["status"];
  thing?: string;
}

/** Alarm state per (thing, code) and the alert records (DuckDB locally, DynamoDB on AWS). */
export interface AlertStore {
  /** Every tracked alarm state of a thing. */
  states(thing: string): Promise<AlarmState[]>;
  /**
   * Compare-and-set on `revision`: writes `next` (or deletes the state when `next.alert` is unset
   * and nothing is counted) only if the stored revision is still `expectedRevision` (0: none
   * stored). `alerts` are the records to keep (raised, updated or cleared). False when another
   * writer won; the caller retries.
   */
  save(
    thing: string,
    code: string,
    next: AlarmState | undefined,
    expectedRevision: number,
    alerts: AlertRecord[],
  ): Promise<boolean>;
  get(id: string): Promise<AlertRecord | undefined>;
  list(filter: AlertFilter): Promise<AlertRecord[]>;
  /** Marks an open alarm acked; returns it, undefined if unknown. Throws CONFLICT if cleared. */
  ack(id: string, at: number): Promise<AlertRecord | undefined>;
}
