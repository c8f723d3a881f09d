// What mirrors AWS itself: the Device Shadow algorithm, IoT Jobs, Lambda's Kinesis event, MQTT topic filters and AWS IoT's topic rules.

export {
  type ControlPlaneError,
  checkCreateJob,
  controlPlaneStatus,
  type JobTarget,
  MAX_JOB_TARGETS,
  parseTarget,
} from "./jobs/create-job.js";
export {
  documentObject,
  executionData,
  executionState,
  executionSummary,
  type JobExecutionState,
  type JobsErrorCode,
  type JobsRejection,
  rejectedDocument,
  seconds,
} from "./jobs/job-documents.js";
export {
  applyUpdate,
  clientTokenOf,
  type DescribeRequest,
  type JobsOperation,
  nextExecution,
  parseDescribe,
  parseJobsPayload,
  parseJobsTopic,
  parseStartNext,
  parseUpdate,
  pendingExecutions,
  type StartNextRequest,
  type UpdateRequest,
} from "./jobs/job-requests.js";
export {
  abortComment,
  abortCriterionMet,
  executionCounts,
  initialRate,
  isComplete,
  raiseRate,
  retries,
  UNLIMITED_RATE,
} from "./jobs/job-rollout.js";
export {
  type AbortCriteria,
  DEVICE_STATUSES,
  type ExecutionCounts,
  JOB_EXECUTION_STATUSES,
  JOB_ID_PATTERN,
  type JobExecutionRecord,
  type JobExecutionStatus,
  type JobRecord,
  type JobStatus,
  MAX_JOB_DOCUMENT_BYTES,
  type RetryCriteria,
  type RolloutConfig,
  TERMINAL_STATUSES,
} from "./jobs/job-types.js";
export { type EventOrigin, isRedriveEvent, kinesisEvent, type RedriveResponse } from "./kinesis-event.js";
export {
  type ConnectedEvent,
  type DisconnectedEvent,
  type DisconnectReason,
  hasLifecycleEvents,
  type LifecycleEvent,
  type LifecycleSession,
  lifecycleTopic,
  nextPresence,
  type Presence,
  readPresenceEvent,
  type SubscriptionEvent,
} from "./lifecycle-events.js";
export {
  type CertificateCreated,
  OWNERSHIP_TOKEN_TTL_MS,
  PROVISIONING_TOPICS,
  type PreProvisioningHookEvent,
  type PreProvisioningHookResponse,
  type ProvisioningRejection,
  type ProvisioningRequest,
  parseProvisioningTopic,
  rejection,
  type ThingRegistered,
} from "./provisioning/provisioning-mqtt-api.js";
export {
  CERTIFICATE_ID_PARAMETER,
  MAX_TEMPLATE_BYTES,
  type ProvisioningPlan,
  type ProvisioningTemplate,
  parseProvisioningTemplate,
  planProvisioning,
} from "./provisioning/provisioning-template.js";
export { shadowFound, shadowRefusal } from "./shadow/shadow-errors.js";
export { deleteShadow, getShadow, updateShadow } from "./shadow/shadow-operations.js";
export type {
  JsonObject,
  ShadowDocument,
  ShadowErrorDocument,
  ShadowResult,
  ShadowUpdate,
  StoredShadow,
} from "./shadow/shadow-types.js";
export { filterCovers, isValidTopicFilter, topicMatches } from "./topic-filter.js";
export { publishTopicProblem, SHADOW_NAME_PATTERN } from "./topic-rules.js";
