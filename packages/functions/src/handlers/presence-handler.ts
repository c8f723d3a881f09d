import type { Logger } from "@aws-lambda-powertools/logger";
import {
  type DeviceType,
  type PresenceOutcome,
  type PresenceStore,
  recordPresence,
} from "@fleetline/core/devices";

/**
 * The `presence` Lambda, invoked by the presence IoT rule with each connected or disconnected
 * lifecycle event: the device's presence is kept (docs/guide/operate.md, "Presence"). An event
 * it cannot read is logged, never thrown (a retry cannot fix it); a store outage is thrown, for
 * Lambda's asynchronous retries.
 */
export function createPresenceHandler(
  ports: { store: PresenceStore; typeOf(thing: string): Promise<DeviceType | undefined> },
  logger: Logger,
) {
  return async (event: unknown): Promise<{ outcome: PresenceOutcome }> => {
    const outcome = await recordPresence(event, ports.store, ports.typeOf);
    if (outcome === "rejected")
      logger.warn("not a presence event; ignored", { event: JSON.stringify(event).slice(0, 500) });
    return { outcome };
  };
}
