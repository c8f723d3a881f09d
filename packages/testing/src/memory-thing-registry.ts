import { randomBytes } from "node:crypto";
import { fleetlineError } from "@fleetline/core/common";
import {
  checkRegistration,
  type DeviceType,
  type IssuedCertificate,
  type RegisteredThing,
  type ThingRegistry,
} from "@fleetline/core/devices";
import { FailureSwitches, type WithFailures, withFailures } from "./failure-switches.js";

/** A thing registry in memory, handing out tokens as the local registry does. */
export class MemoryThingRegistry implements ThingRegistry {
  private readonly things = new Map<string, RegisteredThing>();

  static create(): WithFailures<MemoryThingRegistry> {
    return withFailures(new MemoryThingRegistry(), new FailureSwitches("STORE_UNAVAILABLE"));
  }

  async register(
    thing: string,
    type: DeviceType,
    now = Date.now(),
  ): Promise<RegisteredThing & { token: string }> {
    checkRegistration(thing, type);
    if (this.things.has(thing)) throw fleetlineError("CONFLICT", `thing ${thing} already exists`);
    this.things.set(thing, { thing, type, createdAt: now });
    return { thing, type, createdAt: now, token: `flt_${randomBytes(32).toString("base64url")}` };
  }

  /** A certificate in memory: its PEM and key are random text, not X.509 (this registry signs nothing). */
  async addCertificate(thing: string): Promise<RegisteredThing & IssuedCertificate> {
    const found = this.things.get(thing);
    if (!found) throw fleetlineError("NOT_FOUND", `no thing named ${thing}`);
    const id = randomBytes(32).toString("hex");
    return {
      ...found,
      certificateArn: `arn:aws:iot:us-east-1:000000000000:cert/${id}`,
      certificatePem: `memory certificate ${id}`,
      privateKey: `memory key ${randomBytes(32).toString("base64url")}`,
    };
  }

  async remove(thing: string): Promise<boolean> {
    return this.things.delete(thing);
  }

  async get(thing: string): Promise<RegisteredThing | undefined> {
    const found = this.things.get(thing);
    return found && { ...found };
  }

  async list(): Promise<RegisteredThing[]> {
    return [...this.things.values()].map((t) => ({ ...t })).sort((a, b) => a.thing.localeCompare(b.thing));
  }
}
