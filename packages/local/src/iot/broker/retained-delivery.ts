import type { Client } from "aedes";
import type { RetainedStore } from "./retained-store.js";

/**
 * A retained publish is kept (an empty one deletes what was kept) before it is acknowledged, and
 * goes on to today's subscribers as an ordinary message, as MQTT has it.
 */
export async function keepRetained(
  retained: RetainedStore | undefined,
  packet: { topic: string; qos: number; retain?: boolean },
  payload: Buffer,
): Promise<void> {
  if (!packet.retain || !retained) return;
  await retained.put(packet.topic, payload, packet.qos === 1 ? 1 : 0, Date.now());
  packet.retain = false;
}

/**
 * AWS IoT Core hands a new subscriber the retained message of a topic it subscribes to exactly —
 * not through a wildcard, nor a shared subscription.
 */
export function deliverRetained(
  retained: RetainedStore | undefined,
  client: Client,
  subscriptions: Array<{ topic: string; qos: number }>,
): void {
  if (!retained) return;
  for (const { topic, qos } of subscriptions) {
    if (qos > 1 || /[+#]/.test(topic) || topic.startsWith("$share/")) continue;
    const message = retained.get(topic);
    if (!message) continue;
    client.publish(
      {
        cmd: "publish",
        topic,
        payload: message.payload,
        qos: Math.min(qos, message.qos) as 0 | 1,
        retain: true,
        dup: false,
      },
      () => undefined,
    );
  }
}
