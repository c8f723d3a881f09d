import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { EventEmitter } from "node:events";
import {
  checkRegistration,
  type DeviceIdentity,
  type DeviceType,
  fleetlineError,
  isDeviceType,
  type RegisteredThing,
  type ThingRegistry,
} from "@fleetline/core";
import type { Database } from "../state/database.js";

interface Entry extends RegisteredThing {
  tokenHash: Buffer;
}

/** Tokens are 256 random bits, so a fast hash is enough: nothing to brute-force. */
function hashToken(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

/** Compared against for an unknown thing, so it takes as long to refuse as a wrong token. */
const NO_THING = hashToken(randomBytes(32).toString("base64url"));

/**
 * The local stand-in for the AWS IoT thing registry and device credentials: things with their type
 * and a token, stored hashed. Emits `removed` with the thing name when a thing is deleted, so the
 * broker can close its connections.
 */
export class DeviceRegistry extends EventEmitter<{ removed: [thing: string] }> implements ThingRegistry {
  private constructor(
    private readonly db: Database,
    private readonly things: Map<string, Entry>,
  ) {
    super();
  }

  static async open(db: Database): Promise<DeviceRegistry> {
    await db.run(`CREATE TABLE IF NOT EXISTS things (
      thing VARCHAR PRIMARY KEY, type VARCHAR NOT NULL, token_hash VARCHAR NOT NULL, created_at BIGINT NOT NULL)`);
    const rows = await db.all<{ thing: string; type: string; token_hash: string; created_at: bigint }>(
      "SELECT thing, type, token_hash, created_at FROM things",
    );
    const things = new Map<string, Entry>();
    for (const row of rows) {
      if (!isDeviceType(row.type)) continue;
      things.set(row.thing, {
        thing: row.thing,
        type: row.type,
        tokenHash: Buffer.from(row.token_hash, "hex"),
        createdAt: Number(row.created_at),
      });
    }
    return new DeviceRegistry(db, things);
  }

  /** Registers a thing and returns its token — the only time the token is ever shown. */
  async register(
    thing: string,
    type: DeviceType,
    now = Date.now(),
  ): Promise<RegisteredThing & { token: string }> {
    checkRegistration(thing, type);
    if (this.things.has(thing)) throw fleetlineError("CONFLICT", `thing ${thing} already exists`);
    const token = `flt_${randomBytes(32).toString("base64url")}`;
    const entry: Entry = { thing, type, tokenHash: hashToken(token), createdAt: now };
    this.things.set(thing, entry);
    try {
      await this.db.run("INSERT INTO things VALUES ($thing, $type, $hash, $createdAt)", {
        thing,
        type,
        hash: entry.tokenHash.toString("hex"),
        createdAt: BigInt(now),
      });
    } catch (error) {
      this.things.delete(thing);
      throw error;
    }
    return { thing, type, createdAt: now, token };
  }

  /** Deletes a thing: its token stops working and `removed` fires. False if it did not exist. */
  async remove(thing: string): Promise<boolean> {
    if (!this.things.has(thing)) return false;
    await this.db.run("DELETE FROM things WHERE thing = $thing", { thing });
    this.things.delete(thing);
    this.emit("removed", thing);
    return true;
  }

  async get(thing: string): Promise<RegisteredThing | undefined> {
    const entry = this.things.get(thing);
    return entry && { thing: entry.thing, type: entry.type, createdAt: entry.createdAt };
  }

  async list(): Promise<RegisteredThing[]> {
    return [...this.things.values()]
      .map(({ thing, type, createdAt }) => ({ thing, type, createdAt }))
      .sort((a, b) => a.thing.localeCompare(b.thing));
  }

  /** The identity behind a thing name and token, or why not: unknown thing or wrong token. */
  verify(thing: string, token: string): DeviceIdentity | "unknown-thing" | "bad-token" {
    const entry = this.things.get(thing);
    const matches = timingSafeEqual(hashToken(token), entry?.tokenHash ?? NO_THING);
    if (entry === undefined) return "unknown-thing";
    return matches ? { thing: entry.thing, type: entry.type } : "bad-token";
  }
}
