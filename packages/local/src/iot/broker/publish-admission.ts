import type { Client } from "aedes";
import { PipelineBehindError } from "../bus/message-source.js";
import type { ClientPolicy } from "./client-policy.js";
import type { EmbeddedSource } from "./embedded-source.js";
import { type BrokerFaults, type Observation, shadowConflictReply } from "./fault-switches.js";
import type { Refusal } from "./refusals.js";
import { keepRetained } from "./retained-delivery.js";
import type { RetainedStore } from "./retained-store.js";

/** Where a throttled publish goes: a topic no client may subscribe to, so it is neither acknowledged nor delivered. */
export const THROTTLED_SINK = "$fleetline/throttled";

export interface PublishAdmission {
  policy: ClientPolicy;
  faults: BrokerFaults;
  embedded: () => EmbeddedSource;
  retained: RetainedStore | undefined;
  refuse(refusal: Refusal, clientId: string, detail: string): void;
  /** Whether anyone watches what devices do (`fleetline conformance`): nothing is built otherwise. */
  observing(): boolean;
  observe(observation: Observation): void;
}

export type AdmittedPacket = Parameters<ClientPolicy["authorizePublish"]>[1] & {
  messageId?: number;
  dup?: boolean;
};

/**
 * aedes' `authorizePublish` hook: what happens to a PUBLISH before its PUBACK. Refused (the
 * connection closes), throttled (no PUBACK, no delivery, the connection kept), or taken: kept if
 * retained, then through the rules — aedes acknowledges a QoS 1 PUBLISH once this calls back, only
 * after the rules' actions are done, so a PUBACK means the message is durable.
 */
export function admitPublish(
  admission: PublishAdmission,
  client: Client | null,
  packet: AdmittedPacket,
  done: (error?: Error | null) => void,
): void {
  const refusal = admission.policy.authorizePublish(client, packet);
  if (refusal || !client) {
    done(refusal);
    return;
  }
  // A device's publish, as it came: its packet id and DUP flag (the runtime's own are not observed).
  if (admission.observing() && admission.policy.principalOf(client) !== "service")
    admission.observe({
      kind: "publish",
      clientId: client.id,
      at: Date.now(),
      topic: packet.topic,
      payload: typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload,
      qos: packet.qos,
      ...(packet.messageId !== undefined ? { messageId: packet.messageId } : {}),
      dup: packet.dup === true,
    });
  const throttle = () => Object.assign(packet, { topic: THROTTLED_SINK, qos: 0, retain: false });
  if (
    admission.faults.takeWithheldPuback(client.id, packet.topic) ||
    !admission.policy.withinAllowance(client, packet)
  ) {
    // IoT Core throttles without closing the connection: no PUBACK, no delivery (and so does the
    // withheld-PUBACK fault switch).
    throttle();
    done(null);
    return;
  }
  const payload = typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload;
  if (admission.faults.takeShadowConflict(client.id, packet.topic)) {
    // Acknowledged but not applied: the device hears of the conflict on …/update/rejected.
    const reply = shadowConflictReply(packet.topic, payload);
    Object.assign(packet, { topic: THROTTLED_SINK, retain: false });
    done(null);
    void admission
      .embedded()
      .publish(reply.topic, reply.payload, 1)
      .catch(() => undefined);
    return;
  }
  // A message the engine cannot make durable (it is stopping) gets no PUBACK and the connection is
  // closed; the device resends. One the pipeline was too far behind to take in time is throttled,
  // as IoT Core throttles: no PUBACK, the connection kept (docs/guide/reliability.md, "Overload").
  keepRetained(admission.retained, packet, payload)
    .then(() => admission.embedded().ingest({ topic: packet.topic, payload, clientId: client.id }))
    .then(
      () => done(null),
      (error: Error) => {
        if (!(error instanceof PipelineBehindError)) {
          done(error);
          return;
        }
        admission.refuse("pipeline-behind", client.id, error.message);
        throttle();
        done(null);
      },
    );
}
