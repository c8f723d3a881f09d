import {
  type AbortCriteria,
  type ExecutionCounts,
  JOB_EXECUTION_STATUSES,
  type JobExecutionRecord,
  type JobRecord,
  TERMINAL_STATUSES,
} from "./job-types.js";

/** Without a rollout config AWS notifies every target at once; a config caps it per minute. */
export const UNLIMITED_RATE = Number.POSITIVE_INFINITY;

/** The rate a job's rollout starts at: the exponential base, else its maximum, else all at once. */
export function initialRate(job: Pick<JobRecord, "rollout">): number {
  const { maximumPerMinute, exponentialRate } = job.rollout ?? {};
  if (exponentialRate) return Math.min(exponentialRate.baseRatePerMinute, maximumPerMinute ?? 1000);
  return maximumPerMinute ?? UNLIMITED_RATE;
}

/** Counts of the things' latest executions by status (a retry replaces the one it retries). */
export function executionCounts(latest: Iterable<JobExecutionRecord>): ExecutionCounts {
  const counts = Object.fromEntries(JOB_EXECUTION_STATUSES.map((s) => [s, 0])) as ExecutionCounts;
  for (const execution of latest) counts[execution.status] += 1;
  return counts;
}

/**
 * An exponential rollout's rate once the counts grew: it rises by `incrementFactor` (to at most
 * `maximumPerMinute`) each time as many things were notified, or succeeded, since it last rose as
 * `rateIncreaseCriteria` asks. Returns the job unchanged when it does not rise.
 */
export function raiseRate(job: JobRecord, notified: number, succeeded: number): JobRecord {
  const exponential = job.rollout?.exponentialRate;
  if (!exponential) return job;
  const cap = job.rollout?.maximumPerMinute ?? 1000;
  const { numberOfNotifiedThings, numberOfSucceededThings } = exponential.rateIncreaseCriteria;
  const reached =
    (numberOfNotifiedThings !== undefined && notified - job.notifiedAtRateChange >= numberOfNotifiedThings) ||
    (numberOfSucceededThings !== undefined &&
      succeeded - job.succeededAtRateChange >= numberOfSucceededThings);
  if (!reached || job.ratePerMinute >= cap) return job;
  return {
    ...job,
    ratePerMinute: Math.min(cap, Math.ceil(job.ratePerMinute * exponential.incrementFactor)),
    notifiedAtRateChange: notified,
    succeededAtRateChange: succeeded,
  };
}

const FAILURES: Record<AbortCriteria["failureType"], ReadonlyArray<keyof ExecutionCounts>> = {
  FAILED: ["FAILED"],
  REJECTED: ["REJECTED"],
  TIMED_OUT: ["TIMED_OUT"],
  ALL: ["FAILED", "REJECTED", "TIMED_OUT"],
};

/**
 * The abort criterion a job now meets, if any: once at least `minNumberOfExecutedThings` things'
 * executions have ended, the share of them that ended in the criterion's failure type reaches
 * `thresholdPercentage`.
 */
export function abortCriterionMet(
  job: Pick<JobRecord, "abort">,
  counts: ExecutionCounts,
): { criterion: AbortCriteria; failed: number; ended: number } | undefined {
  const ended = [...TERMINAL_STATUSES].reduce((sum, status) => sum + counts[status], 0);
  for (const criterion of job.abort ?? []) {
    if (ended < criterion.minNumberOfExecutedThings) continue;
    const failed = FAILURES[criterion.failureType].reduce((sum, status) => sum + counts[status], 0);
    if ((failed / ended) * 100 >= criterion.thresholdPercentage) return { criterion, failed, ended };
  }
  return undefined;
}

/** The words an abort is reported with (DescribeJob's `comment`). */
export function abortComment(met: NonNullable<ReturnType<typeof abortCriterionMet>>): string {
  const share = ((met.failed / met.ended) * 100).toFixed(1);
  return `aborted by abortConfig: ${met.failed} of ${met.ended} ended executions ${met.criterion.failureType === "ALL" ? "failed, were rejected or timed out" : `are ${met.criterion.failureType}`} (${share}% ≥ ${met.criterion.thresholdPercentage}% after at least ${met.criterion.minNumberOfExecutedThings})`;
}

/** Whether an execution that ended so is tried again (jobExecutionsRetryConfig), as a new execution. */
export function retries(job: Pick<JobRecord, "retry">, ended: JobExecutionRecord): boolean {
  if (ended.status !== "FAILED" && ended.status !== "TIMED_OUT") return false;
  return (job.retry ?? []).some(
    (criterion) =>
      (criterion.failureType === "ALL" || criterion.failureType === ended.status) &&
      ended.retryAttempt < criterion.numberOfRetries,
  );
}

/** A snapshot job is complete once every target was notified and every latest execution ended. */
export function isComplete(job: JobRecord, latest: Iterable<JobExecutionRecord>): boolean {
  if (job.targetSelection === "CONTINUOUS" || job.rolledOut < job.things.length) return false;
  for (const execution of latest) if (!TERMINAL_STATUSES.has(execution.status)) return false;
  return true;
}
