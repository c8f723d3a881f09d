import type { Duplex } from "node:stream";
import type { ConnectionRules } from "./connection-rules.js";
import type { ConnectionTracker } from "./connection-tracker.js";
import type { DeliveryConfirmations } from "./delivery-confirmations.js";
import type { BrokerFaults, Observation } from "./fault-switches.js";
import { guardPacketSize } from "./packet-size-guard.js";
import type { Refusal } from "./refusals.js";

/** The MQTT control packet types the broker watches for on the wire. */
const DISCONNECT_PACKET = 14;
const PINGREQ_PACKET = 12;

/** A PINGRESP as it goes out: the fault switch `dropPingresp` holds it back. */
const isPingresp = (chunk: Buffer) => chunk.length === 2 && chunk[0] === 0xd0 && chunk[1] === 0;

export interface WireWatch {
  maxPacketBytes: number;
  tracker: ConnectionTracker;
  confirmations: DeliveryConfirmations;
  rules: ConnectionRules;
  faults: BrokerFaults;
  /** The client id behind a connection, once it connected. */
  clientOf(stream: Duplex): string | undefined;
  refuse(refusal: Refusal, clientId: string, detail: string): void;
  observe(observation: Observation): void;
}

/**
 * A connection as the broker reads and writes it: cut off the moment it announces a packet over
 * `maxPacketBytes`; its DISCONNECTs and PINGREQs noted, its PUBACKs matched to direct messages; what
 * goes out paced as IoT Core paces a resumed session, or as the fault switches say.
 */
export function watchWire(stream: Duplex, watch: WireWatch): Duplex {
  const guarded: Duplex = guardPacketSize(
    stream,
    watch.maxPacketBytes,
    (announced) => {
      watch.tracker.noteReason(guarded, "CLIENT_ERROR");
      watch.refuse(
        "packet-too-large",
        "",
        `a packet announced ${announced} bytes; the limit is ${watch.maxPacketBytes}`,
      );
    },
    {
      received: (packet) => {
        if (packet.type === DISCONNECT_PACKET)
          watch.tracker.noteReason(guarded, "CLIENT_INITIATED_DISCONNECT");
        if (packet.type === PINGREQ_PACKET) {
          const clientId = watch.clientOf(guarded);
          if (clientId) watch.observe({ kind: "pingreq", clientId, at: Date.now() });
        }
        watch.confirmations.received(guarded, packet);
      },
      sent: (packet) => watch.confirmations.sent(guarded, packet),
      outgoing: (chunk) => {
        // A resumed persistent session's stored messages go out at IoT Core's rate.
        const paced = watch.rules.holdOutgoing(guarded, chunk);
        const clientId = watch.clientOf(guarded);
        if (clientId === undefined) return paced;
        const faults = watch.faults.get(clientId);
        if (faults.dropPingresp && isPingresp(chunk)) return "drop";
        return Math.max(paced ?? 0, faults.delayDeliveriesMs ?? 0) || undefined;
      },
    },
  );
  return guarded;
}
