import {
  type AlarmState,
  type AlarmWrite,
  type AlertQuery,
  type AlertRecord,
  type AlertStore,
  alertExpiresAt,
  alertPosition,
} from "@fleetline/core/alarms";
import type { Page } from "@fleetline/core/common";
import type { Database } from "./database.js";
import { keysetClause, pageFrom } from "./duckdb-pages.js";

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
      `SELECT thing, state FROM alarm_states WHERE thing IN (${alarming.map((_, i) => `$${i + 1}`).join(", ")})`,
      alarming,
    );
    for (const row of rows) found.get(row.thing)?.push(JSON.parse(row.state) as AlarmState);
    return found;
  }

  async save(write: AlarmWrite): Promise<boolean> {
    const { thing, code } = write.next;
    this.alarming.add(thing);
    this.addedDuringLoad?.add(thing);
    return this.db.transaction(async (tx) => {
      const [row] = await tx.all<{ revision: bigint }>(
        "SELECT revision FROM alarm_states WHERE thing = $thing AND code = $code",
        { thing, code },
      );
      if (Number(row?.revision ?? 0) !== write.expectedRevision) return false;
      await tx.run(
        "INSERT OR REPLACE INTO alarm_states VALUES ($thing, $code, $state, $revision, $owingSince, $expiresAt)",
        {
          thing,
          code,
          state: JSON.stringify(write.next),
          revision: BigInt(write.next.revision),
          owingSince: write.next.outbox?.length ? BigInt(write.next.owingSince ?? 0) : null,
          expiresAt: bigintOrNull(write.next.expiresAt),
        },
      );
      for (const alert of write.alerts) {
        await tx.run(
          "INSERT OR REPLACE INTO alerts VALUES ($id, $thing, $status, $openedAt, $record, $expiresAt)",
          {
            id: alert.id,
            thing: alert.thing,
            status: alert.status,
            openedAt: BigInt(alert.openedAt),
            record: JSON.stringify(alert),
            expiresAt: bigintOrNull(alertExpiresAt(alert)),
          },
        );
      }
      return true;
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
