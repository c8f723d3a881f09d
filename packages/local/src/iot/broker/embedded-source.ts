import { topicMatches } from "@fleetline/core/aws";
import type { Aedes, Client } from "aedes";
import { type InboundMessage, type MessageSource, SERVICE_CLIENT_ID } from "../bus/message-source.js";

type Handler = (message: InboundMessage) => Promise<void>;

/**
 * The embedded broker's messages, in-process, for the rules engine. The broker hands over every
 * message a client publishes before it acknowledges it (`ingest`), so a PUBACK means the rules'
 * actions are done: the message is on its stream, or in the rule's error queue. Unlike an MQTT
 * subscription, this knows each message's publisher, so `clientid()` is exact.
 */
export class EmbeddedSource implements MessageSource {
  private readonly subscriptions: Array<{ filter: string; handler: Handler }> = [];
  private markOpen: () => void = () => undefined;
  private readonly opened = new Promise<void>((resolve) => {
    this.markOpen = resolve;
  });

  constructor(
    private readonly aedes: Aedes,
    /** A connected client by its id, for replies to it alone. */
    private readonly client: (clientId: string) => Client | undefined = () => undefined,
  ) {}

  async subscribe(filter: string, handler: Handler): Promise<void> {
    this.subscriptions.push({ filter, handler });
  }

  async unsubscribe(filter: string, handler: Handler): Promise<void> {
    const at = this.subscriptions.findIndex((s) => s.filter === filter && s.handler === handler);
    if (at >= 0) this.subscriptions.splice(at, 1);
  }

  open(): void {
    this.markOpen();
  }

  /** Runs the rules that read the message's topic; resolves once their actions are done. */
  async ingest(message: InboundMessage): Promise<void> {
    await this.opened;
    const matching = this.subscriptions.filter(({ filter }) => topicMatches(filter, message.topic));
    await Promise.all(matching.map(({ handler }) => handler(message)));
  }

  /**
   * Publishes as the service (shadow replies, alert records, the IoT Data Plane's Publish): rules
   * see it as on AWS, with no client id. Neither waits: a rule action that republishes must not
   * wait for the rules engine it runs in.
   */
  async publish(topic: string, payload: Uint8Array, qos: 0 | 1): Promise<void> {
    const bytes = Buffer.from(payload);
    // The engine reports a message it could not deliver (onUnhandledFailure); nothing to add here.
    this.ingest({ topic, payload: bytes, clientId: SERVICE_CLIENT_ID }).catch(() => undefined);
    this.aedes.publish(
      { cmd: "publish", topic, payload: bytes, qos, retain: false, dup: false },
      () => undefined,
    );
  }

  /** Straight to the client, past the broker's subscriptions: nobody else sees it (AWS's Jobs replies). */
  async reply(clientId: string, topic: string, payload: Uint8Array): Promise<void> {
    const client = this.client(clientId);
    if (!client) return;
    await new Promise<void>((resolve) =>
      client.publish(
        { cmd: "publish", topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false },
        () => resolve(),
      ),
    );
  }

  async close(): Promise<void> {
    this.subscriptions.length = 0;
  }
}
