import type { AlertRecord } from "../schema/alert.js";

export interface AlertFilter {
  status?: AlertRecord["status"];
  thing?: string;
}

/** Alarm state, keyed by (thing, code) for dedupe (SQLite/DuckDB locally, DynamoDB on AWS). */
export interface AlertStore {
  /** The alarm for (thing, code) that is not cleared, if any. */
  active(thing: string, code: string): Promise<AlertRecord | undefined>;
  /**
   * Compare-and-set: writes `next` only if the stored alarm is still `previous` (undefined: none
   * active). Returns false when another writer won, so two identical faults open one alarm.
   */
  save(next: AlertRecord, previous: AlertRecord | undefined): Promise<boolean>;
  get(id: string): Promise<AlertRecord | undefined>;
  list(filter: AlertFilter): Promise<AlertRecord[]>;
}
