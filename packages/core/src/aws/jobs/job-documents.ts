import type { JsonObject } from "../shadow/shadow-types.js";
import type { JobExecutionRecord, JobExecutionStatus } from "./job-types.js";

/** The error codes of the Jobs MQTT API's `…/rejected` documents. */
export type JobsErrorCode =
  | "InvalidTopic"
  | "InvalidJson"
  | "InvalidRequest"
  | "InvalidStateTransition"
  | "ResourceNotFound"
  | "VersionMismatch"
  | "InternalError"
  | "RequestThrottled"
  | "TerminalStateReached";

/** An execution's state as the MQTT API shows it in updates and errors. */
export interface JobExecutionState {
  status: JobExecutionStatus;
  statusDetails: Record<string, string>;
  versionNumber: number;
}

export interface JobsRejection {
  code: JobsErrorCode;
  message: string;
  executionState?: JobExecutionState;
}

/** The MQTT API's times are whole seconds since the epoch. */
export const seconds = (ms: number): number => Math.floor(ms / 1000);

export function executionState(execution: JobExecutionRecord): JobExecutionState {
  return {
    status: execution.status,
    statusDetails: execution.statusDetails,
    versionNumber: execution.versionNumber,
  };
}

/** `JobExecutionSummary`: what `get` and `notify` list. */
export function executionSummary(execution: JobExecutionRecord): JsonObject {
  return {
    jobId: execution.jobId,
    queuedAt: seconds(execution.queuedAt),
    ...(execution.startedAt === undefined ? {} : { startedAt: seconds(execution.startedAt) }),
    lastUpdatedAt: seconds(execution.lastUpdatedAt),
    versionNumber: execution.versionNumber,
    executionNumber: execution.executionNumber,
  };
}

/** The job document as JSON for a device: the object it holds (a document is JSON text). */
export function documentObject(document: string): JsonObject {
  return JSON.parse(document) as JsonObject;
}

/** `JobExecution`: one execution in full, its job document with it unless left out. */
export function executionData(
  execution: JobExecutionRecord,
  document: string | undefined,
  now: number,
): JsonObject {
  const deadline = [execution.stepTimeoutAt, execution.inProgressTimeoutAt]
    .filter((at): at is number => at !== undefined)
    .sort((a, b) => a - b)[0];
  return {
    jobId: execution.jobId,
    thingName: execution.thingName,
    ...(document === undefined ? {} : { jobDocument: documentObject(document) }),
    status: execution.status,
    statusDetails: execution.statusDetails,
    queuedAt: seconds(execution.queuedAt),
    ...(execution.startedAt === undefined ? {} : { startedAt: seconds(execution.startedAt) }),
    lastUpdatedAt: seconds(execution.lastUpdatedAt),
    versionNumber: execution.versionNumber,
    executionNumber: execution.executionNumber,
    ...(deadline === undefined
      ? {}
      : { approximateSecondsBeforeTimedOut: Math.max(0, Math.round((deadline - now) / 1000)) }),
  };
}

/** A `…/rejected` document: the code, a message, the request's clientToken, and the state when it matters. */
export function rejectedDocument(
  rejection: JobsRejection,
  clientToken: string | undefined,
  now: number,
): JsonObject {
  return {
    code: rejection.code,
    message: rejection.message,
    ...(clientToken === undefined ? {} : { clientToken }),
    timestamp: seconds(now),
    ...(rejection.executionState ? { executionState: { ...rejection.executionState } } : {}),
  };
}
