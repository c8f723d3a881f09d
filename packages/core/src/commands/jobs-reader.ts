import type { JobExecutionStatus, JobStatus } from "../aws/jobs/job-types.js";

/** A job in a listing (docs/reference/api.md, `GET /api/jobs`). Times are epoch milliseconds. */
export interface JobSummaryView {
  jobId: string;
  status: JobStatus;
  createdAt: number;
  lastUpdatedAt: number;
  completedAt?: number;
}

/** One thing's execution of a job: what the rollout chart and the per-device tables are drawn from. */
export interface JobExecutionView {
  jobId: string;
  thing: string;
  status: JobExecutionStatus;
  executionNumber: number;
  retryAttempt: number;
  queuedAt: number;
  startedAt?: number;
  lastUpdatedAt: number;
}

/** A job in full: its document, why it was canceled, its counts and every thing's execution. */
export interface JobDetailView extends JobSummaryView {
  description?: string;
  document: string;
  targets: number;
  reasonCode?: string;
  comment?: string;
  counts: Record<JobExecutionStatus, number>;
  executions: JobExecutionView[];
}

/**
 * AWS IoT Jobs as the dashboard reads them: the local Jobs service in `fleetline dev`, AWS IoT's
 * control plane on a stage (whose jobs and things carry its prefix, shown without it).
 */
export interface JobsReader {
  /** The jobs, newest first, at most `limit` (default 100). */
  jobs(limit?: number): Promise<JobSummaryView[]>;
  job(jobId: string): Promise<JobDetailView | undefined>;
  /** A thing's executions, newest first (every retry). */
  ofThing(thing: string): Promise<JobExecutionView[]>;
}
