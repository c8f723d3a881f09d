import type { z } from "zod";
import { decodeBase64, decodeUtf8 } from "../common/bytes.js";
import { describeIssue, primaryIssue, reasonForIssue } from "./issue-reason.js";
import { findForbiddenKey } from "./json-safety.js";
import { MAX_FUTURE_SKEW_MS, MAX_MESSAGE_AGE_MS, MAX_PAYLOAD_BYTES } from "./limits.js";
import { type Rejection, reject } from "./reasons.js";
import { RuleEnvelope } from "./schema/rule-envelope.js";
import { TELEMETRY_SCHEMAS, type TelemetryRecord } from "./schema/telemetry.js";
import { parseTelemetryTopic } from "./telemetry-topic.js";

const DAY_MS = 86_400_000;

export interface Accepted {
  ok: true;
  record: TelemetryRecord;
}

export type Verdict = Accepted | Rejection;

function checkEnvelope(envelope: unknown): RuleEnvelope | Rejection {
  const parsed = RuleEnvelope.safeParse(envelope);
  if (parsed.success) return parsed.data;
  return rejectFor(parsed.error.issues, envelope, "envelope.");
}

function rejectFor(issues: readonly z.core.$ZodIssue[], input: unknown, prefix: string): Rejection {
  const issue = primaryIssue(issues);
  if (issue === undefined) return reject("WRONG_TYPE", `${prefix}does not match its schema`);
  const reason = reasonForIssue(issue, input);
  return reject(reason, `${prefix}${describeIssue(issue, reason)}`);
}

function parseJson(text: string): { value: unknown } | Rejection {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return reject("MALFORMED_JSON", error instanceof SyntaxError ? error.message : "payload is not JSON");
  }
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "array" : typeof value;
}

/**
 * Judges one message exactly as the pipeline does (docs/reference/contract.md §1–2): from the telemetry rule's envelope
 * to a canonical record, or to a rejection with a reason code and a detail naming the field.
 * Checks run in a fixed order — envelope, topic, client id, size, JSON, forbidden keys, shape,
 * version, schema, timestamps — so every input gets one stable reason. Never throws.
 */
export function validate(input: unknown): Verdict {
  try {
    return judge(input);
  } catch (error) {
    // Unreachable by design (the property tests fail on this reason); a verdict is still owed so
    // the message is quarantined, not lost.
    return reject("VALIDATION_FAILED", `validation failed: ${String(error)}`);
  }
}

function judge(input: unknown): Verdict {
  const envelope = checkEnvelope(input);
  if ("ok" in envelope) return envelope;

  const topic = parseTelemetryTopic(envelope.topic);
  if (!topic.ok) return topic;
  if (envelope.clientId !== topic.thing) {
    return reject(
      "THING_MISMATCH",
      `client id ${JSON.stringify(envelope.clientId)} may not publish for thing ${JSON.stringify(topic.thing)}`,
    );
  }

  const bytes = decodeBase64(envelope.payload);
  if (bytes === undefined) return reject("WRONG_TYPE", "envelope.payload: not base64");
  if (bytes.length > MAX_PAYLOAD_BYTES) {
    return reject("PAYLOAD_TOO_LARGE", `payload is ${bytes.length} bytes; the limit is ${MAX_PAYLOAD_BYTES}`);
  }
  const text = decodeUtf8(bytes);
  if (text === undefined) return reject("MALFORMED_JSON", "payload is not valid UTF-8");
  const json = parseJson(text);
  if ("ok" in json) return json;
  const payload = json.value;

  const forbidden = findForbiddenKey(payload);
  if (forbidden !== undefined) return reject("FORBIDDEN_KEY", `forbidden key at ${forbidden}`);
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    return reject("NOT_AN_OBJECT", `payload is a JSON ${kindOf(payload)}, not an object`);
  }
  const version = (payload as Record<string, unknown>).v;
  if (version === undefined) return reject("MISSING_FIELD", "v: schema version is required");
  if (typeof version !== "number")
    return reject("WRONG_TYPE", `v: expected an integer, got ${kindOf(version)}`);
  if (version !== 1)
    return reject("UNSUPPORTED_VERSION", `v: version ${version} is not supported; only 1 is`);

  const parsed = TELEMETRY_SCHEMAS[topic.type].safeParse(payload);
  if (!parsed.success) {
    return rejectFor(parsed.error.issues, payload, "");
  }
  const { seq, ts, metrics, faults = [] } = parsed.data;

  // The window a ts must fall in, said with every refusal of one.
  const window = `ts is epoch milliseconds, from ${MAX_MESSAGE_AGE_MS / DAY_MS} days before the receive time to ${MAX_FUTURE_SKEW_MS / 60_000} minutes after it`;
  if (ts > envelope.receivedAt + MAX_FUTURE_SKEW_MS) {
    return reject(
      "TIMESTAMP_IN_FUTURE",
      `ts is ${ts - envelope.receivedAt} ms ahead of the receive time; ${window}`,
    );
  }
  if (ts < envelope.receivedAt - MAX_MESSAGE_AGE_MS) {
    // The commonest firmware slip: seconds since the epoch where milliseconds belong.
    const seconds = Math.abs(ts * 1000 - envelope.receivedAt) <= MAX_MESSAGE_AGE_MS;
    return reject(
      "TIMESTAMP_TOO_OLD",
      seconds
        ? `ts ${ts} looks like seconds since the epoch; ${window} (${ts * 1000} here)`
        : `ts is ${envelope.receivedAt - ts} ms older than the receive time; ${window}`,
    );
  }

  // TELEMETRY_SCHEMAS is keyed by type, so metrics and faults are of topic.type's kind.
  const record = {
    thing: topic.thing,
    type: topic.type,
    seq,
    ts,
    receivedAt: envelope.receivedAt,
    messageId: envelope.messageId,
    metrics,
    faults,
  } as TelemetryRecord;
  return { ok: true, record };
}
