import { executionState, type JobsRejection } from "./job-documents.js";
import {
  DEVICE_STATUSES,
  JOB_EXECUTION_STATUSES,
  type JobExecutionRecord,
  type JobExecutionStatus,
  MAX_STEP_TIMEOUT_MINUTES,
  TERMINAL_STATUSES,
} from "./job-types.js";

/** The four requests of the Jobs MQTT API, by the topic they come on under `$aws/things/{thing}/jobs/`. */
export type JobsOperation =
  | { kind: "get" }
  | { kind: "start-next" }
  | { kind: "describe"; jobId: string }
  | { kind: "update"; jobId: string };

/**
 * `$aws/things/{thing}/jobs/…` → the thing and the request; `undefined` for a topic of the Jobs
 * namespace that names no request (AWS answers those with InvalidTopic) and for every reply topic.
 */
export function parseJobsTopic(
  topic: string,
): { thing: string; operation: JobsOperation | undefined } | undefined {
  const parts = topic.split("/");
  if (parts[0] !== "$aws" || parts[1] !== "things" || parts[3] !== "jobs" || parts.length < 5)
    return undefined;
  const thing = parts[2] as string;
  const rest = parts.slice(4);
  // What the service publishes itself: never a request.
  if (["accepted", "rejected", "notify", "notify-next"].includes(rest.at(-1) as string)) return undefined;
  if (rest.length === 1 && rest[0] === "get") return { thing, operation: { kind: "get" } };
  if (rest.length === 1 && rest[0] === "start-next") return { thing, operation: { kind: "start-next" } };
  if (rest.length === 2 && rest[1] === "get")
    return { thing, operation: { kind: "describe", jobId: rest[0] as string } };
  if (rest.length === 2 && rest[1] === "update")
    return { thing, operation: { kind: "update", jobId: rest[0] as string } };
  return { thing, operation: undefined };
}

type Parsed<T> = { ok: true; value: T } | { ok: false; rejection: JobsRejection };

const invalid = (message: string): { ok: false; rejection: JobsRejection } => ({
  ok: false,
  rejection: { code: "InvalidRequest", message },
});

/** A request's JSON body (an empty one is `{}`), or InvalidJson. */
export function parseJobsPayload(payload: Uint8Array | string): Parsed<Record<string, unknown>> {
  const text = typeof payload === "string" ? payload : new TextDecoder().decode(payload);
  if (text.trim() === "") return { ok: true, value: {} };
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === "object" && value !== null && !Array.isArray(value))
      return { ok: true, value: value as Record<string, unknown> };
  } catch {
    // answered below
  }
  return { ok: false, rejection: { code: "InvalidJson", message: "The request is not a JSON object" } };
}

/** The request's clientToken, echoed in its reply whether it is accepted or not. */
export function clientTokenOf(request: Record<string, unknown>): string | undefined {
  return typeof request.clientToken === "string" ? request.clientToken : undefined;
}

function checkClientToken(request: Record<string, unknown>): JobsRejection | undefined {
  const token = request.clientToken;
  if (token === undefined) return undefined;
  if (typeof token !== "string" || token.length < 1 || token.length > 64)
    return { code: "InvalidRequest", message: "clientToken must be a string of 1 to 64 characters" };
  return undefined;
}

function statusDetailsOf(value: unknown): Parsed<Record<string, string> | undefined> {
  if (value === undefined) return { ok: true, value: undefined };
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return invalid("statusDetails must be an object of strings");
  const entries = Object.entries(value as Record<string, unknown>);
  for (const [key, detail] of entries) {
    if (!/^[a-zA-Z0-9:_-]{1,128}$/.test(key))
      return invalid(`statusDetails key "${key}" must be 1 to 128 of [a-zA-Z0-9:_-]`);
    if (typeof detail !== "string" || detail.length < 1 || detail.length > 1024)
      return invalid(`statusDetails.${key} must be a string of 1 to 1024 characters`);
  }
  return { ok: true, value: Object.fromEntries(entries) as Record<string, string> };
}

function wholeOrUndefined(
  value: unknown,
  name: string,
  min: number,
  max: number,
): Parsed<number | undefined> {
  if (value === undefined) return { ok: true, value: undefined };
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    return invalid(`${name} must be a whole number from ${min} to ${max}`);
  return { ok: true, value };
}

function booleanOrUndefined(value: unknown, name: string): Parsed<boolean | undefined> {
  if (value === undefined || typeof value === "boolean")
    return { ok: true, value: value as boolean | undefined };
  return invalid(`${name} must be true or false`);
}

export interface StartNextRequest {
  statusDetails?: Record<string, string>;
  stepTimeoutInMinutes?: number;
}

export function parseStartNext(request: Record<string, unknown>): Parsed<StartNextRequest> {
  const token = checkClientToken(request);
  if (token) return { ok: false, rejection: token };
  const details = statusDetailsOf(request.statusDetails);
  if (!details.ok) return details;
  const step = wholeOrUndefined(
    request.stepTimeoutInMinutes,
    "stepTimeoutInMinutes",
    1,
    MAX_STEP_TIMEOUT_MINUTES,
  );
  if (!step.ok) return step;
  return { ok: true, value: { statusDetails: details.value, stepTimeoutInMinutes: step.value } };
}

export interface DescribeRequest {
  executionNumber?: number;
  includeJobDocument: boolean;
}

export function parseDescribe(request: Record<string, unknown>): Parsed<DescribeRequest> {
  const token = checkClientToken(request);
  if (token) return { ok: false, rejection: token };
  const number = wholeOrUndefined(request.executionNumber, "executionNumber", 1, Number.MAX_SAFE_INTEGER);
  if (!number.ok) return number;
  const include = booleanOrUndefined(request.includeJobDocument, "includeJobDocument");
  if (!include.ok) return include;
  return { ok: true, value: { executionNumber: number.value, includeJobDocument: include.value ?? true } };
}

export interface UpdateRequest {
  status: JobExecutionStatus;
  statusDetails?: Record<string, string>;
  expectedVersion?: number;
  executionNumber?: number;
  includeJobExecutionState: boolean;
  includeJobDocument: boolean;
  stepTimeoutInMinutes?: number;
}

export function parseUpdate(request: Record<string, unknown>): Parsed<UpdateRequest> {
  const token = checkClientToken(request);
  if (token) return { ok: false, rejection: token };
  if (!(JOB_EXECUTION_STATUSES as readonly unknown[]).includes(request.status))
    return invalid(`status must be one of ${[...DEVICE_STATUSES].join(", ")}`);
  const details = statusDetailsOf(request.statusDetails);
  if (!details.ok) return details;
  const expected = wholeOrUndefined(request.expectedVersion, "expectedVersion", 0, Number.MAX_SAFE_INTEGER);
  if (!expected.ok) return expected;
  const number = wholeOrUndefined(request.executionNumber, "executionNumber", 1, Number.MAX_SAFE_INTEGER);
  if (!number.ok) return number;
  // -1 clears the step timer an earlier request set.
  const step =
    request.stepTimeoutInMinutes === -1
      ? { ok: true as const, value: -1 }
      : wholeOrUndefined(request.stepTimeoutInMinutes, "stepTimeoutInMinutes", 1, MAX_STEP_TIMEOUT_MINUTES);
  if (!step.ok) return step;
  const state = booleanOrUndefined(request.includeJobExecutionState, "includeJobExecutionState");
  if (!state.ok) return state;
  const document = booleanOrUndefined(request.includeJobDocument, "includeJobDocument");
  if (!document.ok) return document;
  return {
    ok: true,
    value: {
      status: request.status as JobExecutionStatus,
      statusDetails: details.value,
      expectedVersion: expected.value,
      executionNumber: number.value,
      includeJobExecutionState: state.value ?? false,
      includeJobDocument: document.value ?? false,
      stepTimeoutInMinutes: step.value,
    },
  };
}

/**
 * A device's update of its execution, as AWS IoT Jobs applies it: the version it expects, then a
 * transition it may make — from QUEUED or IN_PROGRESS to IN_PROGRESS, SUCCEEDED, FAILED or
 * REJECTED; nothing from a terminal state. Returns the execution as it is after the update.
 */
export function applyUpdate(
  execution: JobExecutionRecord,
  update: Pick<UpdateRequest, "status" | "statusDetails" | "expectedVersion" | "stepTimeoutInMinutes">,
  now: number,
  inProgressTimeoutInMinutes: number | undefined,
): Parsed<JobExecutionRecord> {
  if (update.expectedVersion !== undefined && update.expectedVersion !== execution.versionNumber)
    return {
      ok: false,
      rejection: {
        code: "VersionMismatch",
        message: `expectedVersion ${update.expectedVersion} is not the execution's version ${execution.versionNumber}`,
        executionState: executionState(execution),
      },
    };
  if (TERMINAL_STATUSES.has(execution.status) || !DEVICE_STATUSES.has(update.status))
    return {
      ok: false,
      rejection: {
        code: "InvalidStateTransition",
        message: `a job execution cannot go from ${execution.status} to ${update.status}`,
        executionState: executionState(execution),
      },
    };
  const terminal = TERMINAL_STATUSES.has(update.status);
  const startedAt = execution.startedAt ?? now;
  const inProgressTimeoutAt =
    execution.inProgressTimeoutAt ??
    (update.status === "IN_PROGRESS" && inProgressTimeoutInMinutes !== undefined
      ? startedAt + inProgressTimeoutInMinutes * 60_000
      : undefined);
  const stepTimeoutAt =
    update.stepTimeoutInMinutes === -1
      ? undefined
      : update.stepTimeoutInMinutes !== undefined
        ? now + update.stepTimeoutInMinutes * 60_000
        : execution.stepTimeoutAt;
  const next: JobExecutionRecord = {
    ...execution,
    status: update.status,
    statusDetails: update.statusDetails ?? execution.statusDetails,
    startedAt,
    lastUpdatedAt: now,
    versionNumber: execution.versionNumber + 1,
  };
  delete next.stepTimeoutAt;
  delete next.inProgressTimeoutAt;
  if (!terminal && stepTimeoutAt !== undefined) next.stepTimeoutAt = stepTimeoutAt;
  if (!terminal && inProgressTimeoutAt !== undefined) next.inProgressTimeoutAt = inProgressTimeoutAt;
  return { ok: true, value: next };
}

/** The executions a device still has to do: in progress first, then queued, each oldest first. */
export function pendingExecutions(executions: readonly JobExecutionRecord[]): {
  inProgress: JobExecutionRecord[];
  queued: JobExecutionRecord[];
} {
  const byAge = (a: JobExecutionRecord, b: JobExecutionRecord) =>
    a.queuedAt - b.queuedAt || a.jobId.localeCompare(b.jobId);
  return {
    inProgress: executions.filter((e) => e.status === "IN_PROGRESS").sort(byAge),
    queued: executions.filter((e) => e.status === "QUEUED").sort(byAge),
  };
}

/** The execution `start-next` and `$next` mean: the oldest in progress, else the oldest queued. */
export function nextExecution(executions: readonly JobExecutionRecord[]): JobExecutionRecord | undefined {
  const { inProgress, queued } = pendingExecutions(executions);
  return inProgress[0] ?? queued[0];
}
