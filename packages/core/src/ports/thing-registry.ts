import type { DeviceType } from "../device-types.js";

export interface RegisteredThing {
  thing: string;
  type: DeviceType;
  createdAt: number;
}

/** The things that may connect (the AWS IoT thing registry; a local registry with tokens). */
export interface ThingRegistry {
  /** Registers a thing and returns its credential. Throws CONFLICT if it exists. */
  register(thing: string, type: DeviceType, now?: number): Promise<RegisteredThing & { token: string }>;
  /** Deletes a thing and revokes its credential; false if there was none. */
  remove(thing: string): Promise<boolean>;
  get(thing: string): RegisteredThing | undefined;
  list(): RegisteredThing[];
}
