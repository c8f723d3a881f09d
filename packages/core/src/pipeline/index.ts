// The pipeline's wiring shared by the stacks and the local runtime (streams, queues, rules, event-source settings), its stream ports, counters, health and retention.
export type { BatchOutcome, StreamInput } from "./batch-input.js";
export { COUNTER_NAMES, type Counters, type CounterValues } from "./counters.js";
export {
  type ComponentHealth,
  type HealthReport,
  type HealthStatus,
  healthReport,
  worstStatus,
} from "./health.js";
export { RETENTION, ttlSeconds } from "./retention.js";
export type { PutFailure, StreamEntry, StreamProducer } from "./stream-producer.js";
export { pastRetention, type ShardRange, type StreamReader, type StreamRecord } from "./stream-reader.js";
export {
  CONFIRM_FUNCTION,
  CONFIRMATION_RULE,
  CONFIRMATION_RULE_NAME,
  CONFIRMATION_RULE_SQL,
  EVENT_SOURCE,
  FUNCTION_TIMEOUT_S,
  PRESENCE_FUNCTION,
  PRESENCE_RULE,
  PRESENCE_RULE_NAME,
  PRESENCE_RULE_SQL,
  PRESENCE_TOPIC_FILTER,
  QUEUES,
  REDRIVE_ROUND_BUDGET_MS,
  REDRIVE_ROUTES,
  type RuleAction,
  STREAMS,
  SWEEP_SCHEDULE,
  stageConfirmationRule,
  stagePresenceRule,
  stageTelemetryRule,
  TELEMETRY_PARTITION_KEY,
  TELEMETRY_RULE,
  TELEMETRY_RULE_SQL,
  type TopicRule,
} from "./wiring.js";
