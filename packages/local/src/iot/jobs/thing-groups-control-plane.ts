import type { JsonObject } from "@fleetline/core/aws";
import { isThingName } from "@fleetline/core/devices";
import { MAX_GROUPS_PER_THING, type ThingGroups } from "../registry/thing-groups.js";
import { fail, page } from "./control-plane-errors.js";

/** AWS's pattern for a thing group's name. */
const GROUP_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;

/** The target of a membership change: by name, or by ARN (`thingGroupArn`, `thingArn`), as AWS takes either. */
const nameFrom = (name: unknown, arn: unknown, kind: "thing" | "thinggroup"): string | undefined => {
  if (typeof name === "string") return name;
  if (typeof arn === "string") return new RegExp(`:${kind}/([^/]+)$`).exec(arn)?.[1];
  return undefined;
};

/**
 * The static thing groups of AWS IoT's control plane — CreateThingGroup, DescribeThingGroup,
 * ListThingGroups, DeleteThingGroup, AddThingToThingGroup, RemoveThingFromThingGroup,
 * ListThingsInThingGroup, ListThingGroupsForThing — over the local registry: what a job targets
 * when it is for more than the 100 things a job may name (docs/guide/jobs.md).
 */
export class ThingGroupsControlPlane {
  constructor(
    private readonly groups: ThingGroups,
    private readonly things: { exists(thing: string): Promise<boolean> },
    private readonly arn: (name: string) => string,
    private readonly now: () => number,
    /** Told of a thing added to a group: a CONTINUOUS job targeting the group takes it on. */
    private readonly onAdded: (group: string, thing: string) => Promise<void>,
  ) {}

  private group(name: string) {
    return this.groups.get(name) ?? fail("ResourceNotFoundException", `Thing group ${name} cannot be found.`);
  }

  async create(name: string, body: Record<string, unknown>): Promise<JsonObject> {
    if (!GROUP_NAME.test(name))
      fail("InvalidRequestException", "thingGroupName must be 1 to 128 of [a-zA-Z0-9:_-]");
    if (body.parentGroupName !== undefined)
      fail("InvalidRequestException", "parentGroupName: thing group hierarchies are not served locally");
    const properties = body.thingGroupProperties as { thingGroupDescription?: unknown } | undefined;
    const description = properties?.thingGroupDescription;
    if (description !== undefined && (typeof description !== "string" || description.length > 2028))
      fail("InvalidRequestException", "thingGroupDescription must be text of at most 2028 characters");
    const { group, created } = await this.groups.create(name, description as string | undefined, this.now());
    if (!created && group.description !== description)
      fail("ResourceAlreadyExistsException", `Thing group ${name} already exists with different properties.`);
    return { thingGroupName: name, thingGroupArn: this.arn(name), thingGroupId: group.id };
  }

  describe(name: string): JsonObject {
    const group = this.group(name);
    return {
      thingGroupName: name,
      thingGroupId: group.id,
      thingGroupArn: this.arn(name),
      version: group.version,
      thingGroupProperties:
        group.description === undefined ? {} : { thingGroupDescription: group.description },
      thingGroupMetadata: { rootToParentThingGroups: [], creationDate: group.createdAt / 1000 },
    };
  }

  list(query: { namePrefixFilter?: string; maxResults?: number; nextToken?: string }): JsonObject {
    const all = this.groups
      .all()
      .filter((g) => query.namePrefixFilter === undefined || g.name.startsWith(query.namePrefixFilter))
      .map((g) => ({ groupName: g.name, groupArn: this.arn(g.name) }));
    const { items, nextToken } = page(all, query.maxResults, query.nextToken);
    return { thingGroups: items, ...(nextToken ? { nextToken } : {}) };
  }

  async delete(name: string): Promise<void> {
    await this.groups.delete(name);
  }

  private async membership(body: Record<string, unknown>): Promise<{ group: string; thing: string }> {
    const group = nameFrom(body.thingGroupName, body.thingGroupArn, "thinggroup");
    const thing = nameFrom(body.thingName, body.thingArn, "thing");
    if (group === undefined || thing === undefined)
      fail("InvalidRequestException", "name the thing group and the thing, by name or by ARN");
    this.group(group as string);
    if (!isThingName(thing as string) || !(await this.things.exists(thing as string)))
      fail("ResourceNotFoundException", `Thing ${thing} cannot be found.`);
    return { group: group as string, thing: thing as string };
  }

  async add(body: Record<string, unknown>): Promise<JsonObject> {
    const { group, thing } = await this.membership(body);
    const outcome = await this.groups.add(group, thing);
    if (outcome === "too-many-groups")
      fail("LimitExceededException", `Thing ${thing} is in ${MAX_GROUPS_PER_THING} thing groups already.`);
    if (outcome === "added") await this.onAdded(group, thing);
    return {};
  }

  async remove(body: Record<string, unknown>): Promise<JsonObject> {
    const { group, thing } = await this.membership(body);
    await this.groups.remove(group, thing);
    return {};
  }

  thingsIn(name: string, query: { maxResults?: number; nextToken?: string }): JsonObject {
    this.group(name);
    const { items, nextToken } = page(this.groups.membersOf(name) ?? [], query.maxResults, query.nextToken);
    return { things: items, ...(nextToken ? { nextToken } : {}) };
  }

  async groupsOf(thing: string, query: { maxResults?: number; nextToken?: string }): Promise<JsonObject> {
    if (!(await this.things.exists(thing)))
      fail("ResourceNotFoundException", `Thing ${thing} cannot be found.`);
    const all = this.groups.groupsOf(thing).map((name) => ({ groupName: name, groupArn: this.arn(name) }));
    const { items, nextToken } = page(all, query.maxResults, query.nextToken);
    return { thingGroups: items, ...(nextToken ? { nextToken } : {}) };
  }
}
