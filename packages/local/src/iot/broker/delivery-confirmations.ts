import type { WirePacket } from "./packet-size-guard.js";

const PUBLISH_PACKET = 3;
const PUBACK_PACKET = 4;

/** A message waiting for its PUBACK: the packet id it went out with, once seen on the wire. */
interface Waiter {
  sent(topic: string, packetId: number): void;
  acked(packetId: number): void;
}

/**
 * Which QoS 1 messages a client acknowledged, read off the wire: aedes picks a message's packet id
 * as it writes it, and tells no one of a PUBACK on a clean session. Each connection's packets go by
 * `sent` and `received`; `confirm` publishes and resolves once that message's PUBACK came.
 */
export class DeliveryConfirmations {
  private readonly waiting = new WeakMap<object, Set<Waiter>>();

  /** A packet the client sent: a PUBACK ends the wait of the message it names. */
  received(connection: object, { type, prefix }: WirePacket): void {
    if (type !== PUBACK_PACKET || prefix.length < 2) return;
    for (const waiter of this.waiting.get(connection) ?? []) waiter.acked(prefix.readUInt16BE(0));
  }

  /** A packet the broker sent: a QoS 1 PUBLISH gives the packet id of the message on its topic. */
  sent(connection: object, { type, flags, prefix }: WirePacket): void {
    const waiters = this.waiting.get(connection);
    if (type !== PUBLISH_PACKET || !waiters?.size || ((flags >> 1) & 3) === 0 || prefix.length < 2) return;
    const topicLength = prefix.readUInt16BE(0);
    if (prefix.length < topicLength + 4) return;
    const topic = prefix.subarray(2, 2 + topicLength).toString("utf8");
    for (const waiter of waiters) waiter.sent(topic, prefix.readUInt16BE(2 + topicLength));
  }

  /** Publishes with `publish` and resolves once the client acknowledged it, or after `timeoutMs`. */
  confirm(
    connection: object,
    topic: string,
    publish: () => void,
    timeoutMs: number,
  ): Promise<"acknowledged" | "timed-out"> {
    const waiters = this.waiting.get(connection) ?? new Set<Waiter>();
    this.waiting.set(connection, waiters);
    return new Promise((resolve) => {
      let packetId: number | undefined;
      const finish = (outcome: "acknowledged" | "timed-out") => {
        clearTimeout(timer);
        waiters.delete(waiter);
        resolve(outcome);
      };
      const waiter: Waiter = {
        sent: (sentTopic, id) => {
          if (packetId === undefined && sentTopic === topic) packetId = id;
        },
        acked: (id) => {
          if (id === packetId) finish("acknowledged");
        },
      };
      const timer = setTimeout(() => finish("timed-out"), timeoutMs);
      waiters.add(waiter);
      publish();
    });
  }
}
