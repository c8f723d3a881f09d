import {
  type ConnectedEvent,
  type DisconnectedEvent,
  nextPresence,
  type Presence,
  readPresenceEvent,
} from "../aws/lifecycle-events.js";

/**
 * Where each device's presence is kept (docs/guide/operate.md, "Presence"): its connection state,
 * since when, and why its last connection ended, from AWS IoT Core's lifecycle events. DuckDB
 * locally, DynamoDB on AWS.
 */
export interface PresenceStore {
  get(thing: string): Promise<Presence | undefined>;
  /** Every presence recorded, by thing. */
  all(): Promise<Map<string, Presence>>;
  /**
   * Saves `next` unless the stored presence moved on from `expected` (undefined: none stored yet),
   * compared by version and connection state; false when it did, to read again and retry.
   */
  save(next: Presence, expected: Presence | undefined): Promise<boolean>;
}

export type PresenceOutcome = "recorded" | "stale" | "rejected";

/**
 * A lifecycle event recorded as the device's presence (the `presence` function): an event older
 * than what is stored — events may arrive out of order or twice — changes nothing; a concurrent
 * writer makes it read again.
 */
export async function recordPresence(event: unknown, store: PresenceStore): Promise<PresenceOutcome> {
  const presence: ConnectedEvent | DisconnectedEvent | undefined = readPresenceEvent(event);
  if (!presence) return "rejected";
  for (;;) {
    const current = await store.get(presence.clientId);
    const next = nextPresence(current, presence);
    if (!next) return "stale";
    if (await store.save(next, current)) return "recorded";
  }
}
