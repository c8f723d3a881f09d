import type { DisconnectReason, Presence } from "@fleetline/core/aws";
import type { DevicePresence, DeviceType, PresenceStore } from "@fleetline/core/devices";
import { CallBatcher } from "./call-batcher.js";
import type { Database } from "./database.js";
import { placeholders, rowsOf } from "./sql-placeholders.js";

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

interface Save {
  next: DevicePresence;
  expected: Presence | undefined;
}

/** Whether `stored` is still what the writer read (`expected`): the compare of the compare-and-set. */
function unchanged(stored: DevicePresence | undefined, expected: Presence | undefined): boolean {
  return stored === undefined
    ? expected === undefined
    : expected !== undefined &&
        stored.versionNumber === expected.versionNumber &&
        stored.connected === expected.connected;
}

/**
 * Each device's presence in DuckDB, written with a compare-and-set in one transaction. Reads and
 * writes that arrive together go together (`CallBatcher`): a fleet connecting at once — ten
 * thousand lifecycle events — is a few hundred statements, not forty thousand.
 */
export class DuckDbPresenceStore implements PresenceStore {
  private readonly reads = new CallBatcher<string, DevicePresence | undefined>((things) =>
    this.readMany(things),
  );
  private readonly writes = new CallBatcher<Save, boolean>((saves) => this.saveMany(saves));

  private constructor(private readonly db: Database) {}

  static async open(db: Database): Promise<DuckDbPresenceStore> {
    await db.run(`CREATE TABLE IF NOT EXISTS presence (
      thing VARCHAR PRIMARY KEY, connected BOOLEAN NOT NULL, since BIGINT NOT NULL, version BIGINT NOT NULL, reason VARCHAR, type VARCHAR)`);
    return new DuckDbPresenceStore(db);
  }

  get(thing: string): Promise<DevicePresence | undefined> {
    return this.reads.call(thing);
  }

  async all(): Promise<Map<string, DevicePresence>> {
    const rows = await this.db.all<Row>("SELECT * FROM presence");
    return new Map(rows.map((row) => [row.thing, presenceOf(row)]));
  }

  save(next: DevicePresence, expected: Presence | undefined): Promise<boolean> {
    return this.writes.call({ next, expected });
  }

  private async readMany(things: readonly string[]): Promise<Array<DevicePresence | undefined>> {
    const wanted = [...new Set(things)];
    const rows = await this.db.all<Row>(
      `SELECT * FROM presence WHERE thing IN (${placeholders(wanted.length, 1)})`,
      wanted,
    );
    const found = new Map(rows.map((row) => [row.thing, presenceOf(row)]));
    return things.map((thing) => found.get(thing));
  }

  /** Each save in order against what the ones before it left; the winners in one statement. */
  private saveMany(saves: readonly Save[]): Promise<boolean[]> {
    return this.db.transaction(async (tx) => {
      const things = [...new Set(saves.map((save) => save.next.clientId))];
      const rows = await tx.all<Row>(
        `SELECT * FROM presence WHERE thing IN (${placeholders(things.length, 1)})`,
        things,
      );
      const current = new Map<string, DevicePresence>(rows.map((row) => [row.thing, presenceOf(row)]));
      const written = new Map<string, DevicePresence>();
      const won = saves.map(({ next, expected }) => {
        if (!unchanged(current.get(next.clientId), expected)) return false;
        current.set(next.clientId, next);
        written.set(next.clientId, next);
        return true;
      });
      if (written.size > 0) {
        const values = [...written.values()].flatMap((next) => [
          next.clientId,
          next.connected,
          BigInt(next.since),
          BigInt(next.versionNumber),
          next.disconnectReason ?? null,
          next.type ?? null,
        ]);
        await tx.run(
          `INSERT INTO presence VALUES ${rowsOf(written.size, 6)}
           ON CONFLICT (thing) DO UPDATE SET connected = excluded.connected, since = excluded.since,
             version = excluded.version, reason = excluded.reason, type = excluded.type`,
          values,
        );
      }
      return won;
    });
  }
}
