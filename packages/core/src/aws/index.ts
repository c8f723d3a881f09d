// What mirrors AWS itself: the Device Shadow algorithm, Lambda's Kinesis event, MQTT topic filters and AWS IoT's topic rules.
export { type EventOrigin, isRedriveEvent, kinesisEvent, type RedriveResponse } from "./kinesis-event.js";
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
