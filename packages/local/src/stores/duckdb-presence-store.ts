import type { DisconnectReason, Presence } from "@fleetline/core/aws";
import type { DevicePresence, DeviceType, PresenceStore } from "@fleetline/core/devices";
import type { Database } from "./database.js";

interface Row extends Record<string, unknown> {
  thing: string;
  connected: boolean;
  since: bigint;
  version: bigint;
  reason: string | null;
  type: string | null;
}

const presenceOf = (row: Row): DevicePresence => ({
  clientId: row.thing,
  connected: row.connected,
  since: Number(row.since),
  versionNumber: Number(row.version),
  ...(row.reason === null ? {} : { disconnectReason: row.reason as DisconnectReason }),
  ...(row.type === null ? {} : { type: row.type as DeviceType }),
});

/** Each device's presence in DuckDB, written with a compare-and-set in one transaction. */
export class DuckDbPresenceStore implements PresenceStore {
  private constructor(private readonly db: Database) {}

  static async open(db: Database): Promise<DuckDbPresenceStore> {
    await db.run(`CREATE TABLE IF NOT EXISTS presence (
      thing VARCHAR PRIMARY KEY, connected BOOLEAN NOT NULL, since BIGINT NOT NULL, version BIGINT NOT NULL, reason VARCHAR, type VARCHAR)`);
    return new DuckDbPresenceStore(db);
  }

  async get(thing: string): Promise<DevicePresence | undefined> {
    const [row] = await this.db.all<Row>("SELECT * FROM presence WHERE thing = $thing", { thing });
    return row && presenceOf(row);
  }

  async all(): Promise<Map<string, DevicePresence>> {
    const rows = await this.db.all<Row>("SELECT * FROM presence");
    return new Map(rows.map((row) => [row.thing, presenceOf(row)]));
  }

  async save(next: DevicePresence, expected: Presence | undefined): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.all<Row>("SELECT * FROM presence WHERE thing = $thing", {
        thing: next.clientId,
      });
      const stored = row && presenceOf(row);
      const unchanged =
        stored === undefined
          ? expected === undefined
          : expected !== undefined &&
            stored.versionNumber === expected.versionNumber &&
            stored.connected === expected.connected;
      if (!unchanged) return false;
      await tx.run(
        `INSERT INTO presence VALUES ($thing, $connected, $since, $version, $reason, $type)
         ON CONFLICT (thing) DO UPDATE SET connected = excluded.connected, since = excluded.since,
           version = excluded.version, reason = excluded.reason, type = excluded.type`,
        {
          thing: next.clientId,
          connected: next.connected,
          since: BigInt(next.since),
          version: BigInt(next.versionNumber),
          reason: next.disconnectReason ?? null,
          type: next.type ?? null,
        },
      );
      return true;
    });
  }
}
