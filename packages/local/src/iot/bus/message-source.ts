/** One MQTT message as the rules engine sees it. */
export interface InboundMessage {
  topic: string;
  payload: Uint8Array;
  /** The publisher's MQTT client id; "n/a" when the source cannot know it (as AWS's clientid()). */
  clientId: string;
}

/** What publishes as the service (no client id), as AWS's `clientid()` has it. */
export const SERVICE_CLIENT_ID = "n/a";

/**
 * A device's message the pipeline was too far behind to take in time: not acknowledged, as AWS IoT
 * Core throttles — no PUBACK, the connection kept — so the device sends it again.
 */
export class PipelineBehindError extends Error {
  override readonly name = "PipelineBehindError";
}

/**
 * Where the rules engine gets messages from. The handler's promise settles when the message's
 * actions are done; sources acknowledge the message only then. A source hands over nothing until
 * `open()`: a message that arrives before every subscriber is in place (a device reconnecting the
 * moment the broker listens, a persistent session redelivering at once) waits, unacknowledged,
 * instead of being acknowledged with no rule to take it.
 */
export interface MessageSource {
  subscribe(filter: string, handler: (message: InboundMessage) => Promise<void>): Promise<void>;
  /** Takes back one subscription `subscribe` made, with the same filter and handler. */
  unsubscribe(filter: string, handler: (message: InboundMessage) => Promise<void>): Promise<void>;
  /** Every subscriber is in place: messages flow. */
  open(): void;
  publish(topic: string, payload: Uint8Array, qos: 0 | 1): Promise<void>;
  /**
   * Answers one client, as AWS IoT answers a Jobs request: the reply reaches the client that asked
   * whether or not it subscribed, and no other client or rule sees it. A source that cannot reach
   * one client (an MQTT connection to another broker) publishes on the topic, which the device then
   * has to subscribe to.
   */
  reply(clientId: string, topic: string, payload: Uint8Array): Promise<void>;
  close(): Promise<void>;
}
