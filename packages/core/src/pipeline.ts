/**
 * The pipeline's wiring constants (SPEC §2), shared by the AWS stacks and the local runtime so the
 * two cannot drift apart.
 */
import { TELEMETRY_TOPIC_FILTER } from "./topics.js";

export const STREAMS = {
  raw: "fleetline-raw",
  validated: "fleetline-validated",
} as const;

export const TELEMETRY_RULE_NAME = "telemetry";

/**
 * The telemetry rule. `encode(*, 'base64')` carries the bytes unparsed so malformed JSON still
 * reaches validation and is quarantined with a reason instead of being dropped by the rules engine.
 */
export const TELEMETRY_RULE_SQL =
  "SELECT encode(*, 'base64') AS payload, topic() AS topic, topic(3) AS type, topic(4) AS thing, " +
  "clientid() AS clientId, timestamp() AS receivedAt, newuuid() AS messageId " +
  `FROM '${TELEMETRY_TOPIC_FILTER}'`;

/** The thing name: per-device ordering on the stream. Never `${newuuid()}`. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IoT rule substitution template, not JS.
export const TELEMETRY_PARTITION_KEY = "${topic(4)}";

/** Event-source mapping settings for every stream consumer, on Lambda and in the local emulator. */
export const EVENT_SOURCE = {
  batchSize: 100,
  reportBatchItemFailures: true,
  bisectBatchOnFunctionError: true,
  /** Lambda's Kinesis default is infinite: one poison record would block a shard for a week. */
  maxRetryAttempts: 5,
  maxRecordAgeSeconds: 3600,
  startingPosition: "TRIM_HORIZON",
  /** One batch in flight per shard keeps per-device order. */
  parallelizationFactor: 1,
  /** AWS: fewer, fuller invocations. */
  awsBatchingWindowSeconds: 1,
  /** Local: no window, the emulator polls each shard every `localPollIntervalMs` for fast feedback. */
  localBatchingWindowSeconds: 0,
  localPollIntervalMs: 200,
} as const;

export type EventSourceSettings = typeof EVENT_SOURCE;
