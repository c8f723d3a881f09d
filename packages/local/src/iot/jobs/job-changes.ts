import type { JobExecutionRecord, JobRecord } from "@fleetline/core/aws";
import type { JobStore } from "./job-store.js";

const key = (e: JobExecutionRecord) => `${e.jobId}\u0000${e.thingName}\u0000${e.executionNumber}`;

/**
 * The changes one request makes — to jobs and executions — seen over the store as if made, then
 * saved in one transaction: what a device's update sets off (a retry, a faster rollout, an abort,
 * the job's completion) is saved with the update or not at all.
 */
export class JobChanges {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly executions = new Map<string, JobExecutionRecord>();

  constructor(private readonly store: JobStore) {}

  job(jobId: string): JobRecord | undefined {
    return this.jobs.get(jobId) ?? this.store.job(jobId);
  }

  putJob(job: JobRecord): void {
    this.jobs.set(job.jobId, job);
  }

  putExecution(execution: JobExecutionRecord): void {
    this.executions.set(key(execution), execution);
  }

  /** Each thing's current execution of a job, with these changes made. */
  latestOfJob(jobId: string): JobExecutionRecord[] {
    const latest = new Map(this.store.latestOfJob(jobId).map((e) => [e.thingName, e]));
    for (const e of this.executions.values()) {
      if (e.jobId !== jobId) continue;
      const current = latest.get(e.thingName);
      if (!current || e.executionNumber >= current.executionNumber) latest.set(e.thingName, e);
    }
    return [...latest.values()];
  }

  /** The executions changed so far, in the order they were put. */
  changedExecutions(): JobExecutionRecord[] {
    return [...this.executions.values()];
  }

  /** The things whose executions changed: their pending lists may have. */
  things(): Set<string> {
    return new Set([...this.executions.values()].map((e) => e.thingName));
  }

  get empty(): boolean {
    return this.jobs.size === 0 && this.executions.size === 0;
  }

  async commit(): Promise<void> {
    await this.store.save([...this.jobs.values()], [...this.executions.values()]);
  }
}
