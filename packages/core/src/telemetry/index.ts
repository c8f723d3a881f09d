// The device contract's telemetry: its schemas, the validation every message goes through, the stores' ports and the validate and store use cases.
export { jsonNestingDepth } from "./json-safety.js";
export { telemetryJsonSchema } from "./json-schema.js";
export {
  glueType,
  LAKE_COLUMNS,
  LAKE_PARTITIONS,
  LAKE_PREFIX,
  type LakeColumnType,
  type LakeRow,
  lakeDay,
  lakeMetricExpression,
  lakeRow,
} from "./lake.js";
export { MAX_FUTURE_SKEW_MS, MAX_PAYLOAD_BYTES } from "./limits.js";
export { isQueryableMetric, NUMERIC_METRICS, readingsOf } from "./metrics.js";
export {
  type Quarantine,
  type QuarantineEntry,
  type QuarantineFilter,
  quarantineExpiresAt,
  quarantineMatches,
  quarantinePosition,
} from "./quarantine.js";
export { REJECT_REASONS, type RejectReason } from "./reasons.js";
export { isAfter, recordKey } from "./record-identity.js";
export { SEVERITIES } from "./schema/fault.js";
export { FREESTYLE_FAULT_CODES, FREESTYLE_STATES } from "./schema/freestyle.js";
export { ROBOT_FAULT_CODES, ROBOT_STATES } from "./schema/robot.js";
export { RuleEnvelope } from "./schema/rule-envelope.js";
export { TelemetryRecord } from "./schema/telemetry.js";
export { type StorePorts, storeRecords } from "./store-records.js";
export type {
  DeviceSummary,
  SeriesPoint,
  SeriesQuery,
  TelemetryQuery,
  TelemetryStore,
  WriteResult,
} from "./telemetry-store.js";
export { TELEMETRY_TARGETS, type TelemetryTarget, telemetryTarget } from "./telemetry-target.js";
export { parseTelemetryTopic } from "./telemetry-topic.js";
export { type Verdict, validate } from "./validate.js";
export { type ValidatePorts, validateRecords } from "./validate-records.js";
