import {
  type ConnectedEvent,
  type DisconnectedEvent,
  nextPresence,
  type Presence,
  readPresenceEvent,
} from "../aws/lifecycle-events.js";
import type { DeviceType } from "./device-types.js";

/** A device's presence, with its type once known (the OFFLINE alarm's alert names it). */
export type DevicePresence = Presence & { type?: DeviceType };

/**
 * Where each device's presence is kept (docs/guide/operate.md, "Presence"): its connection state,
 * since when, and why its last connection ended, from AWS IoT Core's lifecycle events. DuckDB
 * locally, DynamoDB on AWS.
 */
export interface PresenceStore {
  get(thing: string): Promise<DevicePresence | undefined>;
  /** Every presence recorded, by thing. */
  all(): Promise<Map<string, DevicePresence>>;
  /**
   * Saves `next` unless the stored presence moved on from `expected` (undefined: none stored yet),
   * compared by version and connection state; false when it did, to read again and retry.
   */
  save(next: DevicePresence, expected: Presence | undefined): Promise<boolean>;
}

export type PresenceOutcome = "recorded" | "stale" | "rejected";

/**
 * A lifecycle event recorded as the device's presence (the `presence` function): an event older
 * than what is stored — events may arrive out of order or twice — changes nothing; a concurrent
 * writer makes it read again.
 */
export async function recordPresence(
  event: unknown,
  store: PresenceStore,
  /** A thing's type, looked up once, when its presence is first kept. */
  typeOf: (thing: string) => Promise<DeviceType | undefined> = async () => undefined,
): Promise<PresenceOutcome> {
  const presence: ConnectedEvent | DisconnectedEvent | undefined = readPresenceEvent(event);
  if (!presence) return "rejected";
  for (;;) {
    const current = await store.get(presence.clientId);
    const next = nextPresence(current, presence);
    if (!next) return "stale";
    const type = current?.type ?? (await typeOf(presence.clientId));
    if (await store.save(type ? { ...next, type } : next, current)) return "recorded";
  }
}
