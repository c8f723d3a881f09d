import { randomUUID } from "node:crypto";
import {
  type ConnectedEvent,
  type DisconnectedEvent,
  type DisconnectReason,
  hasLifecycleEvents,
  type LifecycleEvent,
} from "@fleetline/core/aws";

/** Where a connection comes from and arrives at. */
export interface SocketAddress {
  sourceIp: string;
  sourcePort: number;
  targetIp: string;
  targetPort: number;
}

/** A client id's latest connection, as the IoT Data Plane's GetConnection describes it. */
export interface ConnectionInfo extends SocketAddress {
  clientId: string;
  connected: boolean;
  thingName?: string;
  cleanSession: boolean;
  keepAliveDuration: number;
  sessionIdentifier: string;
  principalIdentifier: string;
  versionNumber: number;
  /** Epoch milliseconds. */
  connectedSince: number;
  disconnectedSince?: number;
  disconnectReason?: DisconnectReason;
}

/** What the broker knows of a connection when it is established. */
export interface NewConnection extends SocketAddress {
  clientId: string;
  thingName?: string;
  principalIdentifier: string;
  cleanSession: boolean;
  keepAliveDuration: number;
}

/**
 * Each client id's latest connection and why connections end, for AWS IoT Core's lifecycle events
 * (`$aws/events/presence/…`, `$aws/events/subscriptions/…`) and the Data Plane's GetConnection.
 * A connection's end is told by the first reason noted for it (a DISCONNECT packet, a keep-alive
 * timeout, a takeover by the same client id, a refusal); none means the connection was lost.
 */
export class ConnectionTracker {
  private readonly latest = new Map<string, ConnectionInfo>();
  private readonly reasons = new WeakMap<object, DisconnectReason>();
  /** The connection each open stream carries. */
  private readonly open = new WeakMap<object, ConnectionInfo>();

  constructor(
    private readonly publish: (event: LifecycleEvent) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Notes why a connection is ending; the first reason noted wins. */
  noteReason(connection: object, reason: DisconnectReason): void {
    if (!this.reasons.has(connection)) this.reasons.set(connection, reason);
  }

  /**
   * A connection is established: its `versionNumber` is one more than its client id's last, and
   * never below the clock's milliseconds, so it keeps growing across restarts of the runtime.
   */
  connected(connection: object, details: NewConnection): ConnectionInfo {
    const previous = this.latest.get(details.clientId);
    const now = this.now();
    const info: ConnectionInfo = {
      ...details,
      connected: true,
      sessionIdentifier: randomUUID(),
      versionNumber: Math.max((previous?.versionNumber ?? 0) + 1, now),
      connectedSince: now,
    };
    this.latest.set(details.clientId, info);
    this.open.set(connection, info);
    if (hasLifecycleEvents(info.clientId)) {
      const event: ConnectedEvent = {
        clientId: info.clientId,
        timestamp: now,
        eventType: "connected",
        sessionIdentifier: info.sessionIdentifier,
        principalIdentifier: info.principalIdentifier,
        ipAddress: info.sourceIp,
        versionNumber: info.versionNumber,
      };
      this.publish(event);
    }
    return info;
  }

  /** A connection ended: its disconnected event, with the reason noted for it (else CONNECTION_LOST). */
  disconnected(connection: object): void {
    const info = this.open.get(connection);
    if (!info) return;
    this.open.delete(connection);
    const reason = this.reasons.get(connection) ?? "CONNECTION_LOST";
    const now = this.now();
    info.connected = false;
    info.disconnectedSince = now;
    info.disconnectReason = reason;
    if (!hasLifecycleEvents(info.clientId)) return;
    const event: DisconnectedEvent = {
      clientId: info.clientId,
      timestamp: now,
      eventType: "disconnected",
      sessionIdentifier: info.sessionIdentifier,
      principalIdentifier: info.principalIdentifier,
      clientInitiatedDisconnect: reason === "CLIENT_INITIATED_DISCONNECT",
      disconnectReason: reason,
      versionNumber: info.versionNumber,
    };
    this.publish(event);
  }

  /** Subscriptions granted or removed on an open connection. */
  subscriptions(connection: object, eventType: "subscribed" | "unsubscribed", topics: string[]): void {
    const info = this.open.get(connection);
    if (!info || topics.length === 0 || !hasLifecycleEvents(info.clientId)) return;
    this.publish({
      eventType,
      clientId: info.clientId,
      sessionIdentifier: info.sessionIdentifier,
      principalIdentifier: info.principalIdentifier,
      timestamp: this.now(),
      topics,
    });
  }

  /** A client id's latest connection, open or ended; undefined if it never connected. */
  info(clientId: string): ConnectionInfo | undefined {
    const info = this.latest.get(clientId);
    return info && { ...info };
  }
}
