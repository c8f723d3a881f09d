import { isValidTopicFilter } from "@fleetline/core/aws";
import type { InboundMessage, MessageSource } from "./message-source.js";

/** A message as a tap hands it on: what the broker carried, as the runtime saw it. */
export interface TappedMessage {
  topic: string;
  payloadBase64: string;
  /** The publisher's client id, "n/a" for the runtime's own publishes (and where the broker cannot tell). */
  clientId: string;
  at: number;
}

/**
 * Every message on the broker that matches `filters`, as the runtime sees it — with its own rights,
 * not a device's (`fleetline tail`, the dashboard's MQTT client) — handed to `onMessage` at once:
 * a tap never holds a device's PUBACK back. Resolves with how to take the subscriptions back.
 */
export async function tapMessages(
  source: MessageSource,
  filters: readonly string[],
  onMessage: (message: TappedMessage) => void,
  now: () => number = Date.now,
): Promise<() => Promise<void>> {
  const invalid = filters.find((filter) => !isValidTopicFilter(filter));
  if (invalid !== undefined) throw new Error(`not an MQTT topic filter: "${invalid}"`);
  const handler = async ({ topic, payload, clientId }: InboundMessage) => {
    onMessage({ topic, payloadBase64: Buffer.from(payload).toString("base64"), clientId, at: now() });
  };
  for (const filter of filters) await source.subscribe(filter, handler);
  return async () => {
    for (const filter of filters) await source.unsubscribe(filter, handler);
  };
}
