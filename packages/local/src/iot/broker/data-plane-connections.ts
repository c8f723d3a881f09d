import { type DeviceIdentity, maySubscribe } from "@fleetline/core/devices";
import type { Client } from "aedes";
import type { ConnectionTracker } from "./connection-tracker.js";
import type { DeliveryConfirmations } from "./delivery-confirmations.js";

/** What of aedes' persistence the Data Plane's DeleteConnection uses (aedes does not type it). */
export interface AedesPersistence {
  cleanSubscriptions(client: Client, done: () => void): void;
}

/** What of the broker the connection operations read. */
export interface BrokerClients {
  /** A connected client by its id. */
  client(clientId: string): Client | undefined;
  /** Who it is: a device, or the runtime's own service client. */
  principal(client: Client): DeviceIdentity | "service" | undefined;
  tracker: ConnectionTracker;
  confirmations: DeliveryConfirmations;
  persistence(): AedesPersistence;
}

/**
 * The IoT Data Plane's connection operations on the embedded broker's clients (docs/guide/local-runtime.md,
 * "Connections and retained messages"): ListSubscriptions, DeleteConnection, SendDirectMessage.
 * GetConnection reads the connection tracker.
 */
export class DataPlaneConnections {
  constructor(private readonly broker: BrokerClients) {}

  /** A client's subscriptions now, as ListSubscriptions lists them; undefined if not connected. */
  subscriptionsOf(clientId: string): Array<{ topicFilter: string; qos: number }> | undefined {
    const client = this.broker.client(clientId) as
      | (Client & { subscriptions?: Record<string, { qos: number }> })
      | undefined;
    if (!client) return undefined;
    return Object.entries(client.subscriptions ?? {}).map(([topicFilter, { qos }]) => ({ topicFilter, qos }));
  }

  /**
   * DeleteConnection: the client is disconnected (API_INITIATED_DISCONNECT), its persistent
   * session dropped with `cleanSession`, its will not sent with `preventWillMessage`. False if it
   * is not connected.
   */
  async deleteConnection(
    clientId: string,
    options: { cleanSession: boolean; preventWillMessage: boolean },
  ): Promise<boolean> {
    const client = this.broker.client(clientId);
    if (!client) return false;
    this.broker.tracker.noteReason(client.conn, "API_INITIATED_DISCONNECT");
    if (options.preventWillMessage) (client as unknown as { will: unknown }).will = null;
    await new Promise<void>((resolve) => client.close(() => resolve()));
    if (options.cleanSession)
      await new Promise<void>((resolve) =>
        this.broker.persistence().cleanSubscriptions(client, () => resolve()),
      );
    return true;
  }

  /**
   * SendDirectMessage: a message to one connected client, on a topic it need not have subscribed
   * to but may receive, past the rules. With `confirmation` it goes at QoS 1 and this resolves once
   * the client acknowledged it, or says it did not within `timeoutMs`.
   */
  async sendDirect(
    clientId: string,
    topic: string,
    payload: Uint8Array,
    options: { confirmation: boolean; timeoutMs: number },
  ): Promise<"sent" | "acknowledged" | "not-connected" | "not-allowed" | "timed-out"> {
    const client = this.broker.client(clientId);
    const principal = client && this.broker.principal(client);
    if (!client || !principal) return "not-connected";
    if (principal !== "service" && !maySubscribe(principal, topic)) return "not-allowed";
    const qos = options.confirmation ? 1 : 0;
    const send = () =>
      client.publish(
        { cmd: "publish", topic, payload: Buffer.from(payload), qos, retain: false, dup: false },
        () => undefined,
      );
    if (!options.confirmation) {
      send();
      return "sent";
    }
    return this.broker.confirmations.confirm(client.conn, topic, send, options.timeoutMs);
  }
}
