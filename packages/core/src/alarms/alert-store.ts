import type { Page, PageRequest } from "../common/paging.js";
import type { AlarmState } from "./alarm-machine.js";
import type { AlertRecord } from "./alert.js";

export interface AlertQuery extends PageRequest {
  status?: AlertRecord["status"];
  thing?: string;
}

/** One alarm's compare-and-set write: its new state (outbox included) and the alert records it changed. */
export interface AlarmWrite {
  /** Written only if the stored revision is still `expectedRevision` (0: none stored). */
  expectedRevision: number;
  /** Its `revision` is `expectedRevision + 1`. */
  next: AlarmState;
  /** Alert records raised, updated, acked or cleared by this change. */
  alerts: readonly AlertRecord[];
}

/**
 * Alarm state per (thing, code) and the alert records (DuckDB locally, DynamoDB on AWS). Every read
 * is keyed: a thing's states, one alert, a page of alerts by status or thing, the states that owe
 * effects. Cleared alerts and idle states carry an expiry the store honours (DynamoDB TTL).
 */
export interface AlertStore {
  /** Every tracked alarm state of a thing. */
  states(thing: string): Promise<AlarmState[]>;
  /** Every tracked alarm state of each of these things, in one read where the store allows. */
  statesOf(things: readonly string[]): Promise<Map<string, AlarmState[]>>;
  /** Compare-and-set on the state's revision, with its alert records, atomically. False when another writer won. */
  save(write: AlarmWrite): Promise<boolean>;
  /**
   * Several alarms' writes, each a `save` of its own (one may lose while the others win), in as few
   * round trips as the store allows: whether each was written, in order. At most one write per
   * alarm (thing and code): a second would race the first.
   */
  saveAll(writes: readonly AlarmWrite[]): Promise<boolean[]>;
  get(id: string): Promise<AlertRecord | undefined>;
  /** Alerts newest first (by `openedAt`, then id), filtered by status and/or thing. */
  page(query: AlertQuery): Promise<Page<AlertRecord>>;
  /** States whose outbox is not empty, the longest-owing first, at most `limit`. */
  owing(limit: number): Promise<AlarmState[]>;
}

/** Refuses a `saveAll` with two writes to the same alarm (a programming error, not a lost race). */
export function assertDistinctAlarms(writes: readonly AlarmWrite[]): void {
  const seen = new Set<string>();
  for (const { next } of writes) {
    const key = `${next.thing}\u0000${next.code}`;
    if (seen.has(key)) throw new TypeError(`saveAll: two writes to the alarm ${next.thing}/${next.code}`);
    seen.add(key);
  }
}
