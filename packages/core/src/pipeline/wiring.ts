/**
 * The pipeline's wiring constants (docs/reference/contract.md §2), shared by the AWS stacks and the local runtime so the
 * two cannot drift apart.
 */

/** Topic filter of the telemetry rule (docs/reference/contract.md §1). */
export const TELEMETRY_TOPIC_FILTER = "dt/fleetline/+/+/telemetry";

/** Topic filter of the command-confirmation rule: every classic shadow's accepted documents. */
export const SHADOW_DOCUMENTS_FILTER = "$aws/things/+/shadow/update/documents";

export const STREAMS = {
  raw: "fleetline-raw",
  validated: "fleetline-validated",
} as const;

/** Durable queues: Lambda on-failure destinations and the rule's error action (SQS on AWS). */
export const QUEUES = {
  deadLetter: "fleetline-dead-letter",
  ruleErrors: "fleetline-rule-errors",
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

/** An IoT rule action, in the shape of the AWS TopicRulePayload action it stands for. */
export type RuleAction =
  | { kinesis: { streamName: string; partitionKey: string } }
  | { republish: { topic: string; qos?: 0 | 1 } }
  | { sqs: { queueName: string } }
  /** Invokes a function asynchronously with the rule's output as the event (AWS: by ARN). */
  | { lambda: { functionName: string } };

/** An IoT topic rule: SQL, actions and the action that receives failures. */
export interface TopicRule {
  name: string;
  sql: string;
  actions: RuleAction[];
  errorAction?: RuleAction;
}

/** The pipeline's only rule, deployed to AWS IoT Core and loaded by the local rules engine alike. */
export const TELEMETRY_RULE: TopicRule = {
  name: TELEMETRY_RULE_NAME,
  sql: TELEMETRY_RULE_SQL,
  actions: [{ kinesis: { streamName: STREAMS.raw, partitionKey: TELEMETRY_PARTITION_KEY } }],
  errorAction: { sqs: { queueName: QUEUES.ruleErrors } },
};

/**
 * The telemetry rule of one AWS stage: the same rule, reading only the things named with the
 * stage's prefix (`stageNames(stage).thingPrefix`), so that stages sharing an account — a
 * developer's `sst dev` stage beside prod — never ingest each other's devices.
 */
export function stageTelemetryRule(thingPrefix: string): TopicRule {
  return { ...TELEMETRY_RULE, sql: `${TELEMETRY_RULE_SQL} WHERE startswith(topic(4), '${thingPrefix}')` };
}

/** The function that confirms commands from shadow documents (docs/guide/operate.md, "Commands"). */
export const CONFIRM_FUNCTION = "confirm";

export const CONFIRMATION_RULE_NAME = "command_confirmation";

/**
 * Every accepted update of a classic shadow publishes the whole document, before and after, on
 * `update/documents`: the device's `reported` state reaches the confirm function as soon as the
 * device reports it, with no telemetry needed.
 */
export const CONFIRMATION_RULE_SQL = `SELECT topic(3) AS thing, current.state.reported AS reported FROM '${SHADOW_DOCUMENTS_FILTER}'`;

/** The command-confirmation rule, deployed to AWS IoT Core and loaded by the local rules engine alike. */
export const CONFIRMATION_RULE: TopicRule = {
  name: CONFIRMATION_RULE_NAME,
  sql: CONFIRMATION_RULE_SQL,
  actions: [{ lambda: { functionName: CONFIRM_FUNCTION } }],
  errorAction: { sqs: { queueName: QUEUES.ruleErrors } },
};

/** The command-confirmation rule of one AWS stage: only the shadows of its things. */
export function stageConfirmationRule(thingPrefix: string): TopicRule {
  return {
    ...CONFIRMATION_RULE,
    sql: `${CONFIRMATION_RULE_SQL} WHERE startswith(topic(3), '${thingPrefix}')`,
  };
}

/** The function that keeps each device's presence (docs/guide/operate.md, "Presence"). */
export const PRESENCE_FUNCTION = "presence";

export const PRESENCE_RULE_NAME = "presence";

/** AWS IoT Core's connect and disconnect lifecycle events, of every client. */
export const PRESENCE_TOPIC_FILTER = "$aws/events/presence/+/+";

export const PRESENCE_RULE_SQL = `SELECT clientId, eventType, timestamp, versionNumber, disconnectReason FROM '${PRESENCE_TOPIC_FILTER}'`;

/** The presence rule, deployed to AWS IoT Core and loaded by the local rules engine alike. */
export const PRESENCE_RULE: TopicRule = {
  name: PRESENCE_RULE_NAME,
  sql: PRESENCE_RULE_SQL,
  actions: [{ lambda: { functionName: PRESENCE_FUNCTION } }],
  errorAction: { sqs: { queueName: QUEUES.ruleErrors } },
};

/** The presence rule of one AWS stage: only its things' connections. */
export function stagePresenceRule(thingPrefix: string): TopicRule {
  return { ...PRESENCE_RULE, sql: `${PRESENCE_RULE_SQL} WHERE startswith(clientId, '${thingPrefix}')` };
}

/**
 * The schedule that expires commands past their deadline and finishes effects still owed
 * (docs/guide/operate.md, "Commands"): EventBridge on AWS, a timer locally, every minute on both.
 */
export const SWEEP_SCHEDULE = { rate: "rate(1 minute)", intervalMs: 60_000 } as const;

/**
 * Each function's timeout in seconds, as the stacks give it and the local runtime keeps it. A
 * redrive runs behind API Gateway, which ends a request at 30 s, and invokes the stream functions
 * and the confirm function synchronously: those must be able to finish inside its round, so
 * they are given well under it (a batch of 100 records takes a second or two).
 */
export const FUNCTION_TIMEOUT_S = {
  stream: 20,
  confirm: 10,
  presence: 10,
  /** AWS IoT waits five seconds for a pre-provisioning hook, then refuses the device. */
  provisioningHook: 5,
  sweep: 60,
  api: 29,
  redrive: 29,
  /** API Gateway waits 10 s at most for a Lambda authorizer. */
  authorizer: 10,
} as const;

/** Time the redrive function keeps for answering after the last invocation it waited for. */
const REDRIVE_ANSWER_S = 2;

/**
 * How long a redrive round may go on starting items on AWS: an item started at its end, however
 * slow the function it invokes, still finishes inside the redrive function's timeout.
 */
export const REDRIVE_ROUND_BUDGET_MS =
  (FUNCTION_TIMEOUT_S.redrive -
    Math.max(FUNCTION_TIMEOUT_S.stream, FUNCTION_TIMEOUT_S.confirm) -
    REDRIVE_ANSWER_S) *
  1000;

/**
 * The query API's redrive routes (docs/reference/api.md): `${prefix}dead-letter`, `…quarantine`,
 * `…rule-errors`. On AWS a function of their own serves them, behind API Gateway's `routeKey`.
 */
export const REDRIVE_ROUTES = {
  method: "POST",
  prefix: "/api/redrive/",
  routeKey: "POST /api/redrive/{source}",
} as const;
