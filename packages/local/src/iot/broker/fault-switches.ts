import { topicMatches } from "@fleetline/core/aws";

/**
 * The broker's fault switches (docs/guide/conformance.md): what the field does to a device's
 * connection, on demand, per client id — for `fleetline conformance`, the simulator's chaos and tests.
 */
export interface FaultSwitches {
  /** The next N CONNECTs of the client id are refused: CONNACK 3, server unavailable. */
  refuseConnects?: number;
  /** The next N QoS 1 publishes are taken but neither acknowledged nor delivered. */
  withholdPubacks?: number;
  /** Only publishes on topics this filter matches count for `withholdPubacks` (default: any). */
  withholdPubacksOn?: string;
  /** PINGREQs go unanswered: the device's keep-alive must notice. */
  dropPingresp?: boolean;
  /** Everything the broker sends the client waits this long (in order). */
  delayDeliveriesMs?: number;
  /**
   * The next N updates of the client's own shadows (classic or named) are acknowledged, left
   * unapplied and answered 409 "Version conflict" on `…/update/rejected`, as when another writer
   * got there first.
   */
  conflictShadowUpdates?: number;
}

/** What the broker saw a client do: the conformance cases judge a device by it. */
export type Observation =
  | { kind: "connect-attempt"; clientId: string; at: number; refused?: string }
  | { kind: "connect"; clientId: string; at: number; clean: boolean; keepAliveSeconds: number }
  | {
      kind: "publish";
      clientId: string;
      at: number;
      topic: string;
      payload: Buffer;
      qos: number;
      messageId?: number;
      dup: boolean;
    }
  | { kind: "subscribe"; clientId: string; at: number; filters: string[] }
  | { kind: "pingreq"; clientId: string; at: number }
  /** The client acknowledged (PUBACK) a QoS 1 message the broker sent it. */
  | { kind: "acked"; clientId: string; at: number; topic: string; payload: Buffer }
  | { kind: "disconnect"; clientId: string; at: number };

/** The switches set, by client id. */
export class BrokerFaults {
  private readonly byClient = new Map<string, FaultSwitches>();

  /** Sets the client's switches (replacing what was set). */
  set(clientId: string, switches: FaultSwitches): void {
    this.byClient.set(clientId, { ...switches });
  }

  clear(clientId: string): void {
    this.byClient.delete(clientId);
  }

  get(clientId: string): FaultSwitches {
    return this.byClient.get(clientId) ?? {};
  }

  /** Whether this CONNECT is to be refused; takes one from the count. */
  takeConnectRefusal(clientId: string): boolean {
    return this.take(clientId, "refuseConnects");
  }

  /** Whether this publish's PUBACK is to be withheld; takes one from the count. */
  takeWithheldPuback(clientId: string, topic: string): boolean {
    const on = this.byClient.get(clientId)?.withholdPubacksOn;
    if (on !== undefined && !topicMatches(on, topic)) return false;
    return this.take(clientId, "withholdPubacks");
  }

  /** Whether this publish is an update of the client's own shadow to answer 409; takes one from the count. */
  takeShadowConflict(clientId: string, topic: string): boolean {
    if (!this.byClient.get(clientId)?.conflictShadowUpdates) return false;
    const own =
      topic === `$aws/things/${clientId}/shadow/update` ||
      topicMatches(`$aws/things/${clientId}/shadow/name/+/update`, topic);
    return own && this.take(clientId, "conflictShadowUpdates");
  }

  private take(
    clientId: string,
    key: "refuseConnects" | "withholdPubacks" | "conflictShadowUpdates",
  ): boolean {
    const switches = this.byClient.get(clientId);
    const left = switches?.[key] ?? 0;
    if (!switches || left <= 0) return false;
    switches[key] = left - 1;
    return true;
  }
}

/** IoT Core's answer to a shadow update that lost a race (its error document, with the request's clientToken). */
export function shadowConflictReply(topic: string, payload: Buffer): { topic: string; payload: Buffer } {
  let clientToken: unknown;
  try {
    clientToken = (JSON.parse(payload.toString("utf8")) as { clientToken?: unknown }).clientToken;
  } catch {
    clientToken = undefined;
  }
  const document = {
    code: 409,
    message: "Version conflict",
    timestamp: Math.floor(Date.now() / 1000),
    ...(typeof clientToken === "string" ? { clientToken } : {}),
  };
  return { topic: `${topic}/rejected`, payload: Buffer.from(JSON.stringify(document)) };
}
