import {
  type AlarmState,
  type AlarmWrite,
  type AlertQuery,
  type AlertRecord,
  type AlertStore,
  alertExpiresAt,
  alertPosition,
  assertDistinctAlarms,
} from "@fleetline/core/alarms";
import type { Page } from "@fleetline/core/common";
import type { Database } from "./database.js";
import { keysetClause, pageFrom } from "./duckdb-pages.js";
import { placeholders, rowsOf } from "./sql-placeholders.js";

const bigintOrNull = (value: number | undefined) => (value === undefined ? null : BigInt(value));

/**
 * Alarm states and alert records in DuckDB; `save` is a compare-and-set on the state's revision,
 * in one transaction with the records. `expires_at` stands for DynamoDB's TTL: `forgetExpired`
 * deletes what has expired, on the local schedule.
 */
export class DuckDbAlertStore implements AlertStore {
  /**
   * Every thing with at least one alarm state row (a superset while a save is under way): most
   * things never alarm, and a batch of them needs no statement. Exact because this process is the
   * database's only writer (the data dir is locked).
   */
  private alarming = new Set<string>();

  private constructor(private readonly db: Database) {}

  /** Things saved while the set is being reloaded: their rows may commit after the reload read. */
  private addedDuringLoad: Set<string> | undefined;

  /**
   * Reloads the set from the table. A save queues its transaction as it adds its thing, so a save
   * begun before this read is in it; one begun after is kept from `addedDuringLoad`.
   */
  private async loadAlarming(): Promise<void> {
    const added = new Set<string>();
    this.addedDuringLoad = added;
    try {
      const rows = await this.db.all<{ thing: string }>("SELECT DISTINCT thing FROM alarm_states");
      this.alarming = new Set([...rows.map((row) => row.thing), ...added]);
    } finally {
      this.addedDuringLoad = undefined;
    }
  }

  static async open(db: Database): Promise<DuckDbAlertStore> {
    await db.run(`CREATE TABLE IF NOT EXISTS alarm_states (
      thing VARCHAR NOT NULL, code VARCHAR NOT NULL, state VARCHAR NOT NULL, revision BIGINT NOT NULL,
      PRIMARY KEY (thing, code))`);
    // Data dirs from before the outbox: the new columns start empty (nothing owed, nothing expiring).
    await db.run("ALTER TABLE alarm_states ADD COLUMN IF NOT EXISTS owing_since BIGINT");
    await db.run("ALTER TABLE alarm_states ADD COLUMN IF NOT EXISTS expires_at BIGINT");
    await db.run(`CREATE TABLE IF NOT EXISTS alerts (
      id VARCHAR PRIMARY KEY, thing VARCHAR NOT NULL, status VARCHAR NOT NULL, opened_at BIGINT NOT NULL,
      record VARCHAR NOT NULL)`);
    await db.run("ALTER TABLE alerts ADD COLUMN IF NOT EXISTS expires_at BIGINT");
    const store = new DuckDbAlertStore(db);
    await store.loadAlarming();
    return store;
  }

  async states(thing: string): Promise<AlarmState[]> {
    if (!this.alarming.has(thing)) return [];
    const rows = await this.db.all<{ state: string }>("SELECT state FROM alarm_states WHERE thing = $thing", {
      thing,
    });
    return rows.map((row) => JSON.parse(row.state) as AlarmState);
  }

  /** One statement for a whole batch's things (a statement per thing was most of the alerts function's time). */
  async statesOf(things: readonly string[]): Promise<Map<string, AlarmState[]>> {
    const found = new Map<string, AlarmState[]>(things.map((thing) => [thing, []]));
    const alarming = things.filter((thing) => this.alarming.has(thing));
    if (alarming.length === 0) return found;
    const rows = await this.db.all<{ thing: string; state: string }>(
      `SELECT thing, state FROM alarm_states WHERE thing IN (${placeholders(alarming.length, 1)})`,
      alarming,
    );
    for (const row of rows) found.get(row.thing)?.push(JSON.parse(row.state) as AlarmState);
    return found;
  }

  async save(write: AlarmWrite): Promise<boolean> {
    const [won] = await this.saveAll([write]);
    return won === true;
  }

  /**
   * One transaction for them all: one read of the revisions, one statement for the states that
   * won and one for their alert records. A statement per alarm was the alerts function's time when
   * a fleet's things report for the first time (a new thing's newest report is a write).
   */
  async saveAll(writes: readonly AlarmWrite[]): Promise<boolean[]> {
    assertDistinctAlarms(writes);
    if (writes.length === 0) return [];
    for (const { next } of writes) {
      this.alarming.add(next.thing);
      this.addedDuringLoad?.add(next.thing);
    }
    return this.db.transaction(async (tx) => {
      const things = [...new Set(writes.map((write) => write.next.thing))];
      const rows = await tx.all<{ thing: string; code: string; revision: bigint }>(
        `SELECT thing, code, revision FROM alarm_states WHERE thing IN (${placeholders(things.length, 1)})`,
        things,
      );
      const stored = new Map(rows.map((row) => [`${row.thing}\u0000${row.code}`, Number(row.revision)]));
      const won = writes.map(
        ({ next, expectedRevision }) =>
          (stored.get(`${next.thing}\u0000${next.code}`) ?? 0) === expectedRevision,
      );
      const states = writes
        .filter((_, i) => won[i])
        .map(({ next }) => [
          next.thing,
          next.code,
          JSON.stringify(next),
          BigInt(next.revision),
          next.outbox?.length ? BigInt(next.owingSince ?? 0) : null,
          bigintOrNull(next.expiresAt),
        ]);
      if (states.length > 0)
        await tx.run(`INSERT OR REPLACE INTO alarm_states VALUES ${rowsOf(states.length, 6)}`, states.flat());
      // The last version of each alert, should two alarms' writes carry the same one.
      const alerts = new Map(
        writes.filter((_, i) => won[i]).flatMap(({ alerts }) => alerts.map((alert) => [alert.id, alert])),
      );
      const records = [...alerts.values()].map((alert) => [
        alert.id,
        alert.thing,
        alert.status,
        BigInt(alert.openedAt),
        JSON.stringify(alert),
        bigintOrNull(alertExpiresAt(alert)),
      ]);
      if (records.length > 0)
        await tx.run(`INSERT OR REPLACE INTO alerts VALUES ${rowsOf(records.length, 6)}`, records.flat());
      return won;
    });
  }

  async get(id: string): Promise<AlertRecord | undefined> {
    const [row] = await this.db.all<{ record: string }>("SELECT record FROM alerts WHERE id = $id", { id });
    return row ? (JSON.parse(row.record) as AlertRecord) : undefined;
  }

  async page(query: AlertQuery): Promise<Page<AlertRecord>> {
    const keyset = keysetClause("opened_at", "id", query);
    const rows = await this.db.all<{ record: string }>(
      `SELECT record FROM alerts
       WHERE ($status IS NULL OR status = $status) AND ($thing IS NULL OR thing = $thing) AND ${keyset.where}
       ${keyset.order}`,
      { status: query.status ?? null, thing: query.thing ?? null, ...keyset.params },
    );
    return pageFrom(
      rows.map((row) => JSON.parse(row.record) as AlertRecord),
      alertPosition,
      query.limit,
    );
  }

  async owing(limit: number): Promise<AlarmState[]> {
    const rows = await this.db.all<{ state: string }>(
      "SELECT state FROM alarm_states WHERE owing_since IS NOT NULL ORDER BY owing_since, thing, code LIMIT $limit",
      { limit },
    );
    return rows.map((row) => JSON.parse(row.state) as AlarmState);
  }

  /** DynamoDB's TTL, locally: deletes idle states and cleared alerts past their expiry. */
  async forgetExpired(now: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run("DELETE FROM alarm_states WHERE expires_at <= $now", { now: BigInt(now) });
      await tx.run("DELETE FROM alerts WHERE expires_at <= $now", { now: BigInt(now) });
    });
    await this.loadAlarming();
  }
}
