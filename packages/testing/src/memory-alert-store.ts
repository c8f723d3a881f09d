import {
  type AlarmState,
  type AlarmWrite,
  type AlertQuery,
  type AlertRecord,
  type AlertStore,
  alertPosition,
  assertDistinctAlarms,
} from "@fleetline/core/alarms";
import { byPosition, type Page, pageOf } from "@fleetline/core/common";
import { FailureSwitches, type WithFailures, withFailures } from "./failure-switches.js";

const key = (thing: string, code: string) => `${thing}\u0000${code}`;

/** Alarm states and alert records in memory; copies in and out, as a store would. */
export class MemoryAlertStore implements AlertStore {
  private readonly stateRows = new Map<string, AlarmState>();
  private readonly alertRows = new Map<string, AlertRecord>();

  static create(): WithFailures<MemoryAlertStore> {
    return withFailures(new MemoryAlertStore(), new FailureSwitches("STORE_UNAVAILABLE"));
  }

  async states(thing: string): Promise<AlarmState[]> {
    return [...this.stateRows.values()]
      .filter((state) => state.thing === thing)
      .map((s) => structuredClone(s));
  }

  async statesOf(things: readonly string[]): Promise<Map<string, AlarmState[]>> {
    const wanted = new Set(things);
    const found = new Map<string, AlarmState[]>(things.map((thing) => [thing, []]));
    for (const state of this.stateRows.values())
      if (wanted.has(state.thing)) found.get(state.thing)?.push(structuredClone(state));
    return found;
  }

  async save(write: AlarmWrite): Promise<boolean> {
    const { thing, code } = write.next;
    const stored = this.stateRows.get(key(thing, code))?.revision ?? 0;
    if (stored !== write.expectedRevision) return false;
    this.stateRows.set(key(thing, code), structuredClone(write.next));
    for (const alert of write.alerts) this.alertRows.set(alert.id, structuredClone(alert));
    return true;
  }

  async saveAll(writes: readonly AlarmWrite[]): Promise<boolean[]> {
    assertDistinctAlarms(writes);
    const won: boolean[] = [];
    for (const write of writes) won.push(await this.save(write));
    return won;
  }

  /** DynamoDB's TTL, as the local runtime's sweep applies it: forgets the states past their expiry. */
  async forgetExpired(now: number): Promise<void> {
    for (const [at, state] of this.stateRows)
      if (state.expiresAt !== undefined && state.expiresAt <= now) this.stateRows.delete(at);
  }

  async get(id: string): Promise<AlertRecord | undefined> {
    const alert = this.alertRows.get(id);
    return alert && structuredClone(alert);
  }

  async page(query: AlertQuery): Promise<Page<AlertRecord>> {
    const matching = [...this.alertRows.values()]
      .filter(
        (a) => (!query.status || a.status === query.status) && (!query.thing || a.thing === query.thing),
      )
      .sort(byPosition(alertPosition));
    return structuredClone(pageOf(matching, alertPosition, query));
  }

  async owing(limit: number): Promise<AlarmState[]> {
    return [...this.stateRows.values()]
      .filter((state) => (state.outbox?.length ?? 0) > 0)
      .sort((a, b) => (a.owingSince ?? 0) - (b.owingSince ?? 0))
      .slice(0, limit)
      .map((s) => structuredClone(s));
  }
}
