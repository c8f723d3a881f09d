import { topicMatches } from "@fleetline/core/aws";
import type { Client } from "aedes";
import { clampKeepAlive, IOT_CORE_LIMITS, iotCoreMatches, PublishThrottle } from "./iot-core-limits.js";
import type { Refusal } from "./refusals.js";

type Subscribed = Client & { subscriptions?: Record<string, unknown> };

/**
 * AWS IoT Core's per-connection rules as the embedded broker applies them to devices
 * (docs/guide/local-runtime.md, "Stand-ins of the AWS services"): the keep-alive it holds a
 * connection to, its publish allowance, the filters one SUBSCRIBE may carry, and `a/#` not matching
 * `a`. With `enabled` false (`--no-iot-limits`) only the topic matching stays.
 */
export class ConnectionRules {
  private readonly throttles = new WeakMap<Client, PublishThrottle>();
  /** Subscriptions past the eighth of their SUBSCRIBE packet. */
  private readonly pastFilterLimit = new WeakSet<object>();
  /** Connections resuming a persistent session whose stored messages are still being delivered. */
  private readonly resuming = new WeakSet<object>();
  /** Bytes of stored messages queued on a connection when aedes was done handing them over. */
  private readonly storedBytes = new WeakMap<object, number>();

  constructor(
    private readonly options: {
      enabled: boolean;
      refuse: (refusal: Refusal, clientId: string, detail: string) => void;
    },
  ) {}

  /** At CONNECT: the keep-alive IoT Core would hold, and the SUBSCRIBEs to come watched for their filter count. */
  connecting(client: Client, packet: { keepalive?: number; clean?: boolean }): void {
    if (!this.options.enabled) return;
    packet.keepalive = clampKeepAlive(packet.keepalive ?? 0);
    if (packet.clean === false) this.resuming.add(client.conn);
    // aedes authorizes a SUBSCRIBE's filters one by one; its parser sees the packet whole, first.
    const parser = (
      client as unknown as { _parser?: { prependListener: NodeJS.EventEmitter["prependListener"] } }
    )._parser;
    parser?.prependListener("packet", (packet: { cmd?: string; subscriptions?: object[] }) => {
      if (packet.cmd !== "subscribe" || !packet.subscriptions) return;
      for (const subscription of packet.subscriptions.slice(IOT_CORE_LIMITS.filtersPerSubscribe))
        this.pastFilterLimit.add(subscription);
    });
  }

  /**
   * aedes has handed over the session's stored messages (`clientReady`); they may still wait in the
   * connection's buffer, and are paced until they are out. What follows is live, not paced.
   */
  ready(client: Client): void {
    if (!this.resuming.delete(client.conn)) return;
    this.storedBytes.set(
      client.conn,
      (client.conn as unknown as { writableLength?: number }).writableLength ?? 0,
    );
  }

  /**
   * How long to hold what goes out on a resuming connection: a PUBLISH waits its turn at IoT Core's
   * 10 stored messages a second. aedes writes a PUBLISH's header byte first, on its own.
   */
  holdOutgoing(conn: object, chunk: Buffer): number | undefined {
    const left = this.storedBytes.get(conn);
    if (left !== undefined) {
      if (left - chunk.length <= 0) this.storedBytes.delete(conn);
      else this.storedBytes.set(conn, left - chunk.length);
    } else if (!this.resuming.has(conn)) return undefined;
    if (chunk.length === 0 || (chunk[0] as number) >> 4 !== 3) return undefined;
    return 1000 / IOT_CORE_LIMITS.storedMessagesPerSecond;
  }

  /** Whether a device's publish is within its connection's allowance; one over it is counted `throttled`. */
  withinAllowance(client: Client, packet: { topic: string; payload: Buffer | string }): boolean {
    if (!this.options.enabled) return true;
    const now = Date.now();
    let throttle = this.throttles.get(client);
    if (!throttle) {
      throttle = new PublishThrottle(now);
      this.throttles.set(client, throttle);
    }
    const size =
      typeof packet.payload === "string" ? Buffer.byteLength(packet.payload) : packet.payload.length;
    if (throttle.admit(size, now)) return true;
    this.options.refuse(
      "throttled",
      client.id,
      `a publish on ${packet.topic} over ${IOT_CORE_LIMITS.publishesPerSecond} publishes or ${IOT_CORE_LIMITS.bytesPerSecond / 1024} KB a second; not acknowledged`,
    );
    return false;
  }

  /** Whether a subscription is past the filters its SUBSCRIBE may carry (refused and counted if so). */
  pastFilters(client: Client, subscription: { topic: string }): boolean {
    if (!this.pastFilterLimit.has(subscription)) return false;
    this.options.refuse(
      "subscribe-filters-limit",
      client.id,
      `${subscription.topic} is past the ${IOT_CORE_LIMITS.filtersPerSubscribe} filters one SUBSCRIBE may carry`,
    );
    return true;
  }

  /**
   * IoT Core does not match `a/#` to the topic `a`: a message that reaches a device only through
   * such a match is not delivered. A reply sent to the client alone (no subscription matches) is.
   */
  forwardable(client: Client, topic: string): boolean {
    const filters = Object.keys((client as Subscribed).subscriptions ?? {});
    const mqtt = filters.filter((filter) => topicMatches(filter, topic));
    return mqtt.length === 0 || mqtt.some((filter) => iotCoreMatches(filter, topic, topicMatches));
  }
}
