import { topicMatches } from "../aws/topic-filter.js";
import { encodeBase64 } from "../common/bytes.js";
import { SHADOW_DOCUMENTS_FILTER, TELEMETRY_TOPIC_FILTER } from "../pipeline/wiring.js";
import type { RuleEnvelope } from "../telemetry/schema/rule-envelope.js";

/** A message as a topic rule received it; its error action keeps the first three (AWS IoT's format). */
export interface RuleInput {
  topic: string;
  payload: Uint8Array;
  /** The publisher's MQTT client id; "n/a" for a publish with none (the IoT Data Plane's). */
  clientId: string;
  /** The rule's `timestamp()`: when the message reached the rule. */
  receivedAt: number;
  /** The rule's `newuuid()`. */
  messageId: string;
}

/**
 * What the telemetry rule's SQL (TELEMETRY_RULE_SQL) puts on the raw stream for one message: the
 * same fields the rules engine's SQL evaluates them to, locally and on AWS IoT alike (a test of the
 * local rules engine holds the two together).
 */
export function telemetryEnvelope(input: RuleInput): RuleEnvelope {
  const [, , type, thing] = input.topic.split("/");
  return {
    payload: encodeBase64(input.payload),
    topic: input.topic,
    ...(type === undefined ? {} : { type }),
    ...(thing === undefined ? {} : { thing }),
    clientId: input.clientId,
    receivedAt: input.receivedAt,
    messageId: input.messageId,
  };
}

/**
 * What the command-confirmation rule's SQL (CONFIRMATION_RULE_SQL) hands the confirm function for
 * one shadow document: its thing, and `current.state.reported` where the document has one.
 */
export function confirmationEvent(input: Pick<RuleInput, "topic" | "payload">): {
  thing: string;
  reported?: unknown;
} {
  const thing = input.topic.split("/")[2] ?? "";
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder().decode(input.payload));
  } catch {
    return { thing };
  }
  const reported = (document as { current?: { state?: { reported?: unknown } } } | null)?.current?.state
    ?.reported;
  return reported === undefined ? { thing } : { thing, reported };
}

/** Which of the pipeline's rules reads `topic`, if any. */
export function ruleReading(topic: string): "telemetry" | "confirmation" | undefined {
  if (topicMatches(TELEMETRY_TOPIC_FILTER, topic)) return "telemetry";
  if (topicMatches(SHADOW_DOCUMENTS_FILTER, topic)) return "confirmation";
  return undefined;
}
