/**
 * AWS IoT Core's lifecycle events (docs/guide/local-runtime.md, "Lifecycle events"): what the
 * broker publishes on `$aws/events/…` when a client connects, disconnects, subscribes or
 * unsubscribes, as AWS documents them. Rules select them like any message; a device's policy does
 * not let it read them.
 */

/** Why a client's connection ended, as AWS IoT Core names it in `disconnectReason`. */
export type DisconnectReason =
  | "AUTH_ERROR"
  | "CLIENT_INITIATED_DISCONNECT"
  | "CLIENT_ERROR"
  | "CONNECTION_LOST"
  | "DUPLICATE_CLIENTID"
  | "FORBIDDEN_ACCESS"
  | "MQTT_KEEP_ALIVE_TIMEOUT"
  | "SERVER_ERROR"
  | "SERVER_INITIATED_DISCONNECT"
  | "API_INITIATED_DISCONNECT"
  | "THROTTLED"
  | "WEBSOCKET_TTL_EXPIRATION"
  | "CUSTOMAUTH_TTL_EXPIRATION";

/** What a connection's events share: its client, its session and its version. */
export interface LifecycleSession {
  clientId: string;
  /** A UUID per connection. */
  sessionIdentifier: string;
  /** Who connected: the certificate's id, or the user name a token authenticated. */
  principalIdentifier: string;
  /** One more for each connection of this client id: orders its events, which may arrive out of order. */
  versionNumber: number;
}

export interface ConnectedEvent extends LifecycleSession {
  eventType: "connected";
  /** Epoch milliseconds. */
  timestamp: number;
  ipAddress: string;
}

export interface DisconnectedEvent extends LifecycleSession {
  eventType: "disconnected";
  timestamp: number;
  clientInitiatedDisconnect: boolean;
  disconnectReason: DisconnectReason;
}

export interface SubscriptionEvent {
  eventType: "subscribed" | "unsubscribed";
  clientId: string;
  sessionIdentifier: string;
  principalIdentifier: string;
  timestamp: number;
  topics: string[];
}

export type LifecycleEvent = ConnectedEvent | DisconnectedEvent | SubscriptionEvent;

/** The topic an event is published on. */
export function lifecycleTopic(event: LifecycleEvent): string {
  return event.eventType === "connected" || event.eventType === "disconnected"
    ? `$aws/events/presence/${event.eventType}/${event.clientId}`
    : `$aws/events/subscriptions/${event.eventType}/${event.clientId}`;
}

/** AWS publishes no lifecycle event for a client id with `#` or `+` in it. */
export function hasLifecycleEvents(clientId: string): boolean {
  return clientId.length > 0 && !/[#+]/.test(clientId);
}

/** Reads a presence event (`$aws/events/presence/…`) from a message, or undefined for anything else. */
export function readPresenceEvent(payload: unknown): ConnectedEvent | DisconnectedEvent | undefined {
  if (typeof payload !== "object" || payload === null) return undefined;
  const event = payload as Record<string, unknown>;
  if (event.eventType !== "connected" && event.eventType !== "disconnected") return undefined;
  if (
    typeof event.clientId !== "string" ||
    typeof event.timestamp !== "number" ||
    typeof event.versionNumber !== "number"
  )
    return undefined;
  return event as unknown as ConnectedEvent | DisconnectedEvent;
}

/** A client's presence as its lifecycle events tell it. Times are epoch milliseconds. */
export interface Presence {
  clientId: string;
  connected: boolean;
  /** When it connected, or disconnected. */
  since: number;
  versionNumber: number;
  /** Why its last connection ended, once one has. */
  disconnectReason?: DisconnectReason;
}

/**
 * The presence after an event, or undefined when the event is older than what is known — lifecycle
 * events may arrive out of order or twice: a higher `versionNumber` is a later connection, and
 * within one connection its disconnect comes after its connect.
 */
export function nextPresence(
  current: Presence | undefined,
  event: ConnectedEvent | DisconnectedEvent,
): Presence | undefined {
  const rank = (version: number, connected: boolean) => version * 2 + (connected ? 0 : 1);
  if (
    current &&
    rank(event.versionNumber, event.eventType === "connected") <=
      rank(current.versionNumber, current.connected)
  )
    return undefined;
  return {
    clientId: event.clientId,
    connected: event.eventType === "connected",
    since: event.timestamp,
    versionNumber: event.versionNumber,
    ...(event.eventType === "disconnected"
      ? { disconnectReason: event.disconnectReason }
      : current?.disconnectReason
        ? { disconnectReason: current.disconnectReason }
        : {}),
  };
}
