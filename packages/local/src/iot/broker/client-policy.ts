import type { ClaimIdentity } from "@fleetline/core/devices";
import type { Client } from "aedes";
import type { Principal } from "./connect-authentication.js";
import type { ConnectionRules } from "./connection-rules.js";
import type { ConnectionTracker } from "./connection-tracker.js";
import { beyondSubscriptionLimit, isClaim, judgePublish, judgeSubscribe } from "./packet-authorization.js";
import type { Refusal } from "./refusals.js";

/**
 * What each connected client may do, by who it authenticated as: a device (its thing's policy
 * and IoT Core's limits), a provisioning claim, or the runtime's own service client (anything).
 */
export class ClientPolicy {
  private readonly principals = new WeakMap<Client, Principal>();

  constructor(
    private readonly rules: ConnectionRules,
    private readonly tracker: ConnectionTracker,
    private readonly refuse: (refusal: Refusal, clientId: string, detail: string) => void,
    /** Whether retained publishes are kept (without a store they are refused). */
    private readonly retains: boolean,
  ) {}

  /** Who a client authenticated as. */
  principalOf(client: Client): Principal | undefined {
    return this.principals.get(client);
  }

  authenticated(client: Client, principal: Principal): void {
    this.principals.set(client, principal);
  }

  /** The claim a client connected with, if any. */
  claimOf(client: Client | undefined): ClaimIdentity | undefined {
    const principal = client && this.principals.get(client);
    return isClaim(principal) ? principal : undefined;
  }

  /** An error here makes aedes close the connection, as AWS IoT Core does for an unauthorized publish. */
  authorizePublish(
    client: Client | null,
    packet: { topic: string; qos: number; payload: Buffer | string; retain?: boolean },
  ): Error | null {
    if (packet.topic.startsWith("$SYS/")) return new Error("$SYS topics are reserved");
    const principal = client && this.principals.get(client);
    if (principal === "service") return null;
    if (!client || !principal) return new Error("not authenticated");
    const refused = judgePublish(principal, packet, this.retains);
    if (!refused) return null;
    this.refuse(refused.refusal, client.id, refused.detail);
    this.tracker.noteReason(client.conn, refused.reason);
    return new Error(refused.message);
  }

  /**
   * null negates the subscription: SUBACK 0x80. AWS IoT Core does not support QoS 2 (it never
   * answers such a SUBSCRIBE); here the subscription is refused outright, so device code fails fast.
   */
  authorizeSubscribe<S extends { topic: string; qos: number }>(client: Client, subscription: S): S | null {
    const principal = this.principals.get(client);
    if (principal === "service") return subscription;
    const refused =
      judgeSubscribe(principal, subscription) ??
      (this.rules.pastFilters(client, subscription)
        ? null
        : beyondSubscriptionLimit(
            subscription.topic,
            (client as Client & { subscriptions?: Record<string, unknown> }).subscriptions ?? {},
          ));
    if (refused === undefined) return subscription;
    if (refused) this.refuse(refused.refusal, client.id, refused.detail);
    return null;
  }

  /** A device's publish within IoT Core's allowance; the runtime's own clients and claims are not limited. */
  withinAllowance(client: Client, packet: { topic: string; payload: Buffer | string }): boolean {
    const principal = this.principals.get(client);
    if (!principal || principal === "service" || isClaim(principal)) return true;
    return this.rules.withinAllowance(client, packet);
  }

  /** IoT Core's topic matching for devices; the runtime's own clients follow MQTT's. */
  forwardable(client: Client, topic: string): boolean {
    const principal = this.principals.get(client);
    if (!principal || principal === "service") return true;
    return this.rules.forwardable(client, topic);
  }
}
