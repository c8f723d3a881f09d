import type { StoredShadow } from "@fleetline/core/aws";
import type { Database } from "../../stores/database.js";

/** AWS: a shadow re-created within 48 hours of its deletion continues the old version number. */
const VERSION_MEMORY_MS = 48 * 3600 * 1000;

/** Shadows in DuckDB, classic (name "") and named, with the tombstones of deleted ones. */
export class ShadowStore {
  private constructor(private readonly db: Database) {}

  static async open(db: Database): Promise<ShadowStore> {
    await db.run(`CREATE TABLE IF NOT EXISTS shadows (
      thing VARCHAR NOT NULL, name VARCHAR NOT NULL, document VARCHAR, version BIGINT NOT NULL,
      deleted_at BIGINT, PRIMARY KEY (thing, name))`);
    return new ShadowStore(db);
  }

  async load(
    thing: string,
    name: string,
    nowMs: number,
  ): Promise<{ shadow?: StoredShadow; versionFloor: number }> {
    const [row] = await this.db.all<{ document: string | null; version: bigint; deleted_at: bigint | null }>(
      "SELECT document, version, deleted_at FROM shadows WHERE thing = $thing AND name = $name",
      { thing, name },
    );
    if (!row) return { versionFloor: 0 };
    if (row.document !== null) return { shadow: JSON.parse(row.document) as StoredShadow, versionFloor: 0 };
    const recent = row.deleted_at !== null && nowMs - Number(row.deleted_at) < VERSION_MEMORY_MS;
    return { versionFloor: recent ? Number(row.version) : 0 };
  }

  async save(thing: string, name: string, shadow: StoredShadow): Promise<void> {
    await this.db.run("INSERT OR REPLACE INTO shadows VALUES ($thing, $name, $document, $version, NULL)", {
      thing,
      name,
      document: JSON.stringify(shadow),
      version: BigInt(shadow.version),
    });
  }

  async remove(thing: string, name: string, version: number, nowMs: number): Promise<void> {
    await this.db.run("INSERT OR REPLACE INTO shadows VALUES ($thing, $name, NULL, $version, $at)", {
      thing,
      name,
      version: BigInt(version),
      at: BigInt(nowMs),
    });
  }

  async namedShadows(thing: string): Promise<string[]> {
    const rows = await this.db.all<{ name: string }>(
      "SELECT name FROM shadows WHERE thing = $thing AND name <> '' AND document IS NOT NULL ORDER BY name",
      { thing },
    );
    return rows.map((row) => row.name);
  }
}
