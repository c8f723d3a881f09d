import { executionCounts, type JobExecutionRecord, type JobRecord } from "@fleetline/core/aws";
import type { JobDetailView, JobExecutionView, JobSummaryView, JobsReader } from "@fleetline/core/commands";
import type { JobStore } from "./job-store.js";

function summary(job: JobRecord): JobSummaryView {
  return {
    jobId: job.jobId,
    status: job.status,
    createdAt: job.createdAt,
    lastUpdatedAt: job.lastUpdatedAt,
    ...(job.completedAt ? { completedAt: job.completedAt } : {}),
  };
}

function view(e: JobExecutionRecord): JobExecutionView {
  return {
    jobId: e.jobId,
    thing: e.thingName,
    status: e.status,
    executionNumber: e.executionNumber,
    retryAttempt: e.retryAttempt,
    queuedAt: e.queuedAt,
    ...(e.startedAt === undefined ? {} : { startedAt: e.startedAt }),
    lastUpdatedAt: e.lastUpdatedAt,
  };
}

/** The local Jobs service's jobs, read straight from its store. */
export class LocalJobsReader implements JobsReader {
  constructor(private readonly store: JobStore) {}

  async jobs(limit = 100): Promise<JobSummaryView[]> {
    return this.store
      .allJobs()
      .sort((a, b) => b.createdAt - a.createdAt || a.jobId.localeCompare(b.jobId))
      .slice(0, limit)
      .map(summary);
  }

  async job(jobId: string): Promise<JobDetailView | undefined> {
    const job = this.store.job(jobId);
    if (!job) return undefined;
    const latest = this.store.latestOfJob(jobId);
    return {
      ...summary(job),
      ...(job.description ? { description: job.description } : {}),
      document: job.document,
      targets: job.things.length,
      ...(job.reasonCode ? { reasonCode: job.reasonCode } : {}),
      ...(job.comment ? { comment: job.comment } : {}),
      counts: executionCounts(latest),
      executions: latest.sort((a, b) => a.thingName.localeCompare(b.thingName)).map(view),
    };
  }

  async ofThing(thing: string): Promise<JobExecutionView[]> {
    return this.store
      .allOfThing(thing)
      .sort(
        (a, b) =>
          b.queuedAt - a.queuedAt || b.executionNumber - a.executionNumber || a.jobId.localeCompare(b.jobId),
      )
      .map(view);
  }
}
