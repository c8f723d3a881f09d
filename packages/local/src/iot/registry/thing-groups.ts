import { randomUUID } from "node:crypto";
import type { Database } from "../../stores/database.js";

/** A static thing group of AWS IoT's registry. Times are epoch milliseconds. */
export interface ThingGroupRecord {
  name: string;
  id: string;
  description?: string;
  createdAt: number;
  /** One more with every change of its properties. */
  version: number;
}

/** AWS IoT's quota: a thing belongs to at most 10 thing groups. */
export const MAX_GROUPS_PER_THING = 10;

/** Why a membership change was refused. */
export type MembershipRefusal = "no-group" | "too-many-groups";

/**
 * The local stand-in for AWS IoT's static thing groups: named sets of things, kept in DuckDB and
 * read from memory. Members keep the order they were added in, which is the order a job targeting
 * the group rolls out in.
 */
export class ThingGroups {
  private constructor(
    private readonly db: Database,
    private readonly groups: Map<string, ThingGroupRecord>,
    private readonly members: Map<string, Set<string>>,
    /** Where the next member added goes: members keep the order they were added in. */
    private nextPosition: number,
  ) {}

  static async open(db: Database): Promise<ThingGroups> {
    await db.run(`CREATE TABLE IF NOT EXISTS thing_groups (
      name VARCHAR PRIMARY KEY, id VARCHAR NOT NULL, description VARCHAR, created_at BIGINT NOT NULL, version BIGINT NOT NULL)`);
    await db.run(`CREATE TABLE IF NOT EXISTS thing_group_members (
      group_name VARCHAR NOT NULL, thing VARCHAR NOT NULL, position BIGINT NOT NULL, PRIMARY KEY (group_name, thing))`);
    const groups = new Map<string, ThingGroupRecord>();
    for (const row of await db.all<{
      name: string;
      id: string;
      description: string | null;
      created_at: bigint;
      version: bigint;
    }>("SELECT name, id, description, created_at, version FROM thing_groups ORDER BY created_at, name"))
      groups.set(row.name, {
        name: row.name,
        id: row.id,
        ...(row.description === null ? {} : { description: row.description }),
        createdAt: Number(row.created_at),
        version: Number(row.version),
      });
    const members = new Map<string, Set<string>>([...groups.keys()].map((name) => [name, new Set()]));
    let position = 0;
    for (const row of await db.all<{ group_name: string; thing: string; position: bigint }>(
      "SELECT group_name, thing, position FROM thing_group_members ORDER BY position",
    )) {
      members.get(row.group_name)?.add(row.thing);
      position = Number(row.position);
    }
    return new ThingGroups(db, groups, members, position + 1);
  }

  get(name: string): ThingGroupRecord | undefined {
    return this.groups.get(name);
  }

  all(): ThingGroupRecord[] {
    return [...this.groups.values()];
  }

  /** The group's things, in the order they were added; undefined for no such group. */
  membersOf(name: string): string[] | undefined {
    const members = this.members.get(name);
    return members && [...members];
  }

  /** Every thing in any group. */
  allMembers(): Set<string> {
    return new Set([...this.members.values()].flatMap((things) => [...things]));
  }

  groupsOf(thing: string): string[] {
    return [...this.members].filter(([, things]) => things.has(thing)).map(([name]) => name);
  }

  /** Creates a group; an existing one of that name is answered as it is (`created` false). */
  async create(name: string, description: string | undefined, now: number) {
    const existing = this.groups.get(name);
    if (existing) return { group: existing, created: false };
    const group: ThingGroupRecord = {
      name,
      id: randomUUID(),
      ...(description === undefined ? {} : { description }),
      createdAt: now,
      version: 1,
    };
    await this.db.run("INSERT INTO thing_groups VALUES ($name, $id, $description, $createdAt, $version)", {
      name,
      id: group.id,
      description: description ?? null,
      createdAt: BigInt(now),
      version: BigInt(1),
    });
    this.groups.set(name, group);
    this.members.set(name, new Set());
    return { group, created: true };
  }

  /** Deletes a group (its things stay registered). False if there was none. */
  async delete(name: string): Promise<boolean> {
    if (!this.groups.has(name)) return false;
    await this.db.transaction(async (tx) => {
      await tx.run("DELETE FROM thing_group_members WHERE group_name = $name", { name });
      await tx.run("DELETE FROM thing_groups WHERE name = $name", { name });
    });
    this.groups.delete(name);
    this.members.delete(name);
    return true;
  }

  /** Adds a thing to a group (again: nothing changes); refused for no such group or a thing in 10 already. */
  async add(name: string, thing: string): Promise<MembershipRefusal | "added" | "already"> {
    const members = this.members.get(name);
    if (!members) return "no-group";
    if (members.has(thing)) return "already";
    if (this.groupsOf(thing).length >= MAX_GROUPS_PER_THING) return "too-many-groups";
    const position = this.nextPosition++;
    await this.db.run("INSERT INTO thing_group_members VALUES ($name, $thing, $position)", {
      name,
      thing,
      position: BigInt(position),
    });
    members.add(thing);
    return "added";
  }

  async remove(name: string, thing: string): Promise<MembershipRefusal | "removed" | "absent"> {
    const members = this.members.get(name);
    if (!members) return "no-group";
    if (!members.has(thing)) return "absent";
    await this.db.run("DELETE FROM thing_group_members WHERE group_name = $name AND thing = $thing", {
      name,
      thing,
    });
    members.delete(thing);
    return "removed";
  }

  /**
   * A thing deleted from the registry leaves every group, as on AWS: at once in what is read, then
   * on disk (the runtime forgets at start what a crash left in between).
   */
  async forget(thing: string): Promise<void> {
    for (const members of this.members.values()) members.delete(thing);
    await this.db.run("DELETE FROM thing_group_members WHERE thing = $thing", { thing });
  }
}
