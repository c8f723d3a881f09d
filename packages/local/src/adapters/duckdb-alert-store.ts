import {
  type AlarmState,
  type AlertFilter,
  type AlertRecord,
  type AlertStore,
  fleetlineError,
} from "@fleetline/core";
import type { Database, Transaction } from "../state/database.js";

/** Alarm states and alert records in DuckDB; `save` is a compare-and-set on the state's revision. */
export class DuckDbAlertStore implements AlertStore {
  private constructor(private readonly db: Database) {}

  static async open(db: Database): Promise<DuckDbAlertStore> {
    await db.run(`CREATE TABLE IF NOT EXISTS alarm_states (
      thing VARCHAR NOT NULL, code VARCHAR NOT NULL, state VARCHAR NOT NULL, revision BIGINT NOT NULL,
      PRIMARY KEY (thing, code))`);
    await db.run(`CREATE TABLE IF NOT EXISTS alerts (
      id VARCHAR PRIMARY KEY, thing VARCHAR NOT NULL, status VARCHAR NOT NULL, opened_at BIGINT NOT NULL,
      record VARCHAR NOT NULL)`);
    return new DuckDbAlertStore(db);
  }

  async states(thing: string): Promise<AlarmState[]> {
    const rows = await this.db.all<{ state: string }>("SELECT state FROM alarm_states WHERE thing = $thing", {
      thing,
    });
    return rows.map((row) => JSON.parse(row.state) as AlarmState);
  }

  private async putAlert(tx: Transaction, alert: AlertRecord): Promise<void> {
    await tx.run("INSERT OR REPLACE INTO alerts VALUES ($id, $thing, $status, $openedAt, $record)", {
      id: alert.id,
      thing: alert.thing,
      status: alert.status,
      openedAt: BigInt(alert.openedAt),
      record: JSON.stringify(alert),
    });
  }

  async save(
    thing: string,
    code: string,
    next: AlarmState | undefined,
    expectedRevision: number,
    alerts: AlertRecord[],
  ): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.all<{ revision: bigint }>(
        "SELECT revision FROM alarm_states WHERE thing = $thing AND code = $code",
        { thing, code },
      );
      if (Number(row?.revision ?? 0) !== expectedRevision) return false;
      if (next) {
        await tx.run("INSERT OR REPLACE INTO alarm_states VALUES ($thing, $code, $state, $revision)", {
          thing,
          code,
          state: JSON.stringify(next),
          revision: BigInt(next.revision),
        });
      } else {
        await tx.run("DELETE FROM alarm_states WHERE thing = $thing AND code = $code", { thing, code });
      }
      for (const alert of alerts) await this.putAlert(tx, alert);
      return true;
    });
  }

  async get(id: string): Promise<AlertRecord | undefined> {
    const [row] = await this.db.all<{ record: string }>("SELECT record FROM alerts WHERE id = $id", { id });
    return row ? (JSON.parse(row.record) as AlertRecord) : undefined;
  }

  async list(filter: AlertFilter): Promise<AlertRecord[]> {
    const rows = await this.db.all<{ record: string }>(
      `SELECT record FROM alerts
       WHERE ($status IS NULL OR status = $status) AND ($thing IS NULL OR thing = $thing)
       ORDER BY opened_at DESC, id`,
      { status: filter.status ?? null, thing: filter.thing ?? null },
    );
    return rows.map((row) => JSON.parse(row.record) as AlertRecord);
  }

  async ack(id: string, at: number): Promise<AlertRecord | undefined> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.all<{ record: string }>("SELECT record FROM alerts WHERE id = $id", { id });
      if (!row) return undefined;
      const alert = JSON.parse(row.record) as AlertRecord;
      if (alert.status === "cleared") throw fleetlineError("CONFLICT", `alert ${id} is already cleared`);
      if (alert.status === "acked") return alert;
      const acked: AlertRecord = { ...alert, status: "acked", ackedAt: at };
      await this.putAlert(tx, acked);
      const [stateRow] = await tx.all<{ state: string; revision: bigint }>(
        "SELECT state, revision FROM alarm_states WHERE thing = $thing AND code = $code",
        { thing: alert.thing, code: alert.code },
      );
      if (stateRow) {
        const state = JSON.parse(stateRow.state) as AlarmState;
        if (state.alert?.id === id) {
          const next = { ...state, alert: acked, revision: Number(stateRow.revision) + 1 };
          await tx.run(
            "UPDATE alarm_states SET state = $state, revision = $revision WHERE thing = $thing AND code = $code",
            {
              state: JSON.stringify(next),
              revision: BigInt(next.revision),
              thing: alert.thing,
              code: alert.code,
            },
          );
        }
      }
      return acked;
    });
  }
}
