/**
 * AWS IoT Jobs, as the service keeps them (docs/guide/jobs.md): a job — a document for a set of
 * things, rolled out at a rate, aborted on failures, timed out — and its executions, one per thing
 * (a new one, numbered on, for each retry).
 */

export const JOB_EXECUTION_STATUSES = [
  "QUEUED",
  "IN_PROGRESS",
  "SUCCEEDED",
  "FAILED",
  "TIMED_OUT",
  "REJECTED",
  "REMOVED",
  "CANCELED",
] as const;
export type JobExecutionStatus = (typeof JOB_EXECUTION_STATUSES)[number];

/** A status an execution never leaves. */
export const TERMINAL_STATUSES: ReadonlySet<JobExecutionStatus> = new Set([
  "SUCCEEDED",
  "FAILED",
  "TIMED_OUT",
  "REJECTED",
  "REMOVED",
  "CANCELED",
]);

/** What a device may report an execution as (UpdateJobExecution). */
export const DEVICE_STATUSES: ReadonlySet<JobExecutionStatus> = new Set([
  "IN_PROGRESS",
  "SUCCEEDED",
  "FAILED",
  "REJECTED",
]);

export type JobStatus = "IN_PROGRESS" | "CANCELED" | "COMPLETED" | "DELETION_IN_PROGRESS";
export type TargetSelection = "SNAPSHOT" | "CONTINUOUS";

export interface ExponentialRate {
  baseRatePerMinute: number;
  incrementFactor: number;
  rateIncreaseCriteria: { numberOfNotifiedThings?: number; numberOfSucceededThings?: number };
}

export interface RolloutConfig {
  /** Things notified per minute at most (1–1000). */
  maximumPerMinute?: number;
  exponentialRate?: ExponentialRate;
}

export type AbortFailureType = "FAILED" | "REJECTED" | "TIMED_OUT" | "ALL";

export interface AbortCriteria {
  failureType: AbortFailureType;
  action: "CANCEL";
  thresholdPercentage: number;
  minNumberOfExecutedThings: number;
}

export type RetryFailureType = "FAILED" | "TIMED_OUT" | "ALL";

export interface RetryCriteria {
  failureType: RetryFailureType;
  numberOfRetries: number;
}

/** Counts of the things' latest executions by status (DescribeJob's `jobProcessDetails`). */
export type ExecutionCounts = Record<JobExecutionStatus, number>;

export interface JobRecord {
  jobId: string;
  jobArn: string;
  description?: string;
  /** The job document as given: JSON text of at most 32 KB. */
  document: string;
  /** The targets as given (thing ARNs). */
  targets: string[];
  /** The things they name, in order: the rollout notifies them in this order. */
  things: string[];
  targetSelection: TargetSelection;
  rollout?: RolloutConfig;
  abort?: AbortCriteria[];
  inProgressTimeoutInMinutes?: number;
  retry?: RetryCriteria[];
  status: JobStatus;
  /** Epoch milliseconds. */
  createdAt: number;
  lastUpdatedAt: number;
  completedAt?: number;
  reasonCode?: string;
  comment?: string;
  forceCanceled?: boolean;
  /** How many of `things` have an execution (the rollout's progress). */
  rolledOut: number;
  /** The rollout's rate now, things per minute; and the counts when it last rose. */
  ratePerMinute: number;
  notifiedAtRateChange: number;
  succeededAtRateChange: number;
}

export interface JobExecutionRecord {
  jobId: string;
  thingName: string;
  /** 1 for the first execution of a job on a thing; one more for each retry. */
  executionNumber: number;
  status: JobExecutionStatus;
  statusDetails: Record<string, string>;
  /** Epoch milliseconds. */
  queuedAt: number;
  startedAt?: number;
  lastUpdatedAt: number;
  /** One more with every change. */
  versionNumber: number;
  retryAttempt: number;
  /** When a step timeout (stepTimeoutInMinutes) ends it as TIMED_OUT, if it does not finish first. */
  stepTimeoutAt?: number;
  /** When the job's in-progress timeout (timeoutConfig) ends it as TIMED_OUT. */
  inProgressTimeoutAt?: number;
  forceCanceled?: boolean;
}

/** The largest job document AWS IoT takes, in bytes. */
export const MAX_JOB_DOCUMENT_BYTES = 32_768;
/** A job id: AWS's pattern and length. */
export const JOB_ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
/** A step timeout is 1 minute to 7 days (10,080 minutes). */
export const MAX_STEP_TIMEOUT_MINUTES = 10_080;
