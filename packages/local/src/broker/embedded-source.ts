import type { Aedes, AedesPublishPacket } from "aedes";
import type { InboundMessage, MessageSource } from "../rules/message-source.js";

/** Publisher ids travel on the aedes packet under this key (set when the publish is authorized). */
export const PUBLISHER_KEY = "clientId";

/**
 * Messages straight from the embedded broker, in-process. Unlike an MQTT subscription, this knows
 * each message's publisher, so `clientid()` in rules is exact, as in AWS IoT Core's own engine.
 */
export class EmbeddedSource implements MessageSource {
  private readonly subscriptions: Array<{
    filter: string;
    deliver: (packet: AedesPublishPacket, done: () => void) => void;
  }> = [];

  constructor(private readonly aedes: Aedes) {}

  subscribe(filter: string, handler: (message: InboundMessage) => Promise<void>): Promise<void> {
    const deliver = (packet: AedesPublishPacket, done: () => void) => {
      const { topic } = packet;
      const payload = typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload;
      const clientId = (packet as unknown as Record<string, unknown>)[PUBLISHER_KEY];
      // The engine reports its own failures (error action); a throw here must not stall the broker.
      handler({ topic, payload, clientId: typeof clientId === "string" ? clientId : "n/a" }).then(done, done);
    };
    this.subscriptions.push({ filter, deliver });
    return new Promise((resolve) => this.aedes.subscribe(filter, deliver, () => resolve()));
  }

  /**
   * Hands the message to the broker without waiting for its delivery: a handler that publishes
   * (a shadow reply, a republish) must not hold one of the broker's delivery slots while its own
   * message waits for another.
   */
  async publish(topic: string, payload: Uint8Array, qos: 0 | 1): Promise<void> {
    const packet = {
      cmd: "publish" as const,
      topic,
      payload: Buffer.from(payload),
      qos,
      retain: false,
      dup: false,
    };
    this.aedes.publish(packet, () => undefined);
  }

  async close(): Promise<void> {
    await Promise.all(
      this.subscriptions.map(
        ({ filter, deliver }) =>
          new Promise<void>((resolve) => this.aedes.unsubscribe(filter, deliver, () => resolve())),
      ),
    );
  }
}
