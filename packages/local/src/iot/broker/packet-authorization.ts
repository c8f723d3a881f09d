import {
  type ClaimIdentity,
  mayClaimPublish,
  mayClaimSubscribe,
  mayPublish,
  mayRetain,
  maySubscribe,
  whyPublishDenied,
} from "@fleetline/core/devices";
import { MAX_PAYLOAD_BYTES } from "@fleetline/core/telemetry";
import type { Principal } from "./connect-authentication.js";
import type { Refusal } from "./refusals.js";

/** A connection may hold this many subscriptions, as on IoT Core; one more is refused (SUBACK 0x80). */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 50;

export const isClaim = (principal: Principal | undefined): principal is ClaimIdentity =>
  typeof principal === "object" && "claim" in principal;

/** Why a packet is refused: counted as `refusal`, and for a publish, how the connection ends. */
export interface PacketRefusal {
  refusal: Refusal;
  detail: string;
  /** The lifecycle event's disconnect reason, for a publish (its connection is closed). */
  reason: "AUTH_ERROR" | "CLIENT_ERROR";
  message: string;
}

const refusal = (
  refusal: Refusal,
  detail: string,
  reason: PacketRefusal["reason"],
  message: string,
): PacketRefusal => ({ refusal, detail, reason, message });

/**
 * Whether a device or a claim may publish this, as IoT Core decides (its policy, its limits):
 * undefined when it may. The runtime's own clients are not judged. `retainKept`: whether this
 * broker keeps retained messages at all.
 */
export function judgePublish(
  principal: Exclude<Principal, "service">,
  packet: { topic: string; qos: number; payload: Buffer | string; retain?: boolean },
  retainKept: boolean,
): PacketRefusal | undefined {
  const { topic, qos, payload } = packet;
  if (isClaim(principal)) {
    // The claim policy: provisioning requests with its own template, nothing else, never retained.
    if (!packet.retain && qos <= 1 && mayClaimPublish(principal.templateName, topic)) return undefined;
    return refusal(
      "publish-denied",
      `a provisioning claim published on ${topic}; it may only provision with ${principal.templateName}`,
      "AUTH_ERROR",
      "not authorized",
    );
  }
  // AWS IoT Core keeps no retained message on a reserved topic.
  if (packet.retain && topic.startsWith("$"))
    return refusal(
      "retain-denied",
      `retained publish on the reserved topic ${topic}`,
      "CLIENT_ERROR",
      "no retained messages on reserved topics",
    );
  // AWS IoT needs iot:RetainPublish for it, which the device policy grants on its telemetry only.
  if (packet.retain && (!retainKept || !mayRetain(principal, topic)))
    return refusal(
      "retain-denied",
      `retained publish on ${topic}; the device policy grants retain on its own telemetry topic only`,
      "AUTH_ERROR",
      "retain is not allowed",
    );
  const size = typeof payload === "string" ? Buffer.byteLength(payload) : payload.length;
  if (size > MAX_PAYLOAD_BYTES)
    return refusal(
      "payload-too-large",
      `${size} bytes on ${topic}; the limit is ${MAX_PAYLOAD_BYTES}`,
      "CLIENT_ERROR",
      "payload too large",
    );
  if (qos === 2)
    return refusal(
      "qos2-publish",
      `QoS 2 publish on ${topic}; AWS IoT Core supports QoS 0 and 1`,
      "CLIENT_ERROR",
      "QoS 2 is not supported",
    );
  if (!mayPublish(principal, topic))
    return refusal("publish-denied", whyPublishDenied(principal, topic), "AUTH_ERROR", "not authorized");
  return undefined;
}

/** Whether a device or a claim may subscribe to this filter, by its policy and QoS: undefined when it may. */
export function judgeSubscribe(
  principal: Exclude<Principal, "service"> | undefined,
  subscription: { topic: string; qos: number },
): Pick<PacketRefusal, "refusal" | "detail"> | undefined {
  const { topic, qos } = subscription;
  const allowed = isClaim(principal)
    ? mayClaimSubscribe(principal.templateName, topic)
    : principal !== undefined && maySubscribe(principal, topic);
  if (!allowed) return { refusal: "subscribe-denied", detail: `may not subscribe to ${topic}` };
  if (qos > 1) return { refusal: "qos2-subscribe", detail: `QoS 2 subscription to ${topic}; use QoS 0 or 1` };
  return undefined;
}

/** A subscription to `topic` refused for the connection's limit, holding `held` filters already. */
export function beyondSubscriptionLimit(
  topic: string,
  held: Record<string, unknown>,
): Pick<PacketRefusal, "refusal" | "detail"> | undefined {
  if (topic in held || Object.keys(held).length < MAX_SUBSCRIPTIONS_PER_CONNECTION) return undefined;
  return {
    refusal: "subscription-limit",
    detail: `a subscription to ${topic} beyond the ${MAX_SUBSCRIPTIONS_PER_CONNECTION} a connection may hold`,
  };
}
