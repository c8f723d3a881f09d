import {
  abortComment,
  abortCriterionMet,
  executionCounts,
  executionData,
  executionSummary,
  isComplete,
  type JobExecutionRecord,
  type JobRecord,
  type JsonObject,
  nextExecution,
  pendingExecutions,
  raiseRate,
  retries,
  seconds,
  TERMINAL_STATUSES,
} from "@fleetline/core/aws";
import type { Clock } from "@fleetline/core/common";
import { JobChanges } from "./job-changes.js";
import type { JobStore } from "./job-store.js";

/** Publishes a JSON document on a topic through the broker (notify, notify-next). */
export type PublishDocument = (topic: string, document: JsonObject) => Promise<void>;

export interface JobsServiceOptions {
  store: JobStore;
  publish: PublishDocument;
  clock: Clock;
  /** How often rollouts and timeouts advance (default 1 s). */
  tickMs?: number;
  /** A failed tick, reported (it is tried again at the next). */
  onTickError?: (error: unknown) => void;
}

/** What a thing's pending list looks like, to tell whether a change moved it (notify) or its head (notify-next). */
function pendingShape(executions: readonly JobExecutionRecord[]): { list: string; next: string } {
  const { inProgress, queued } = pendingExecutions(executions);
  const id = (e: JobExecutionRecord) => `${e.jobId}#${e.executionNumber}`;
  return {
    list: [...inProgress, ...queued].map(id).sort().join(","),
    next: (() => {
      const next = nextExecution(executions);
      return next ? id(next) : "";
    })(),
  };
}

/**
 * The local AWS IoT Jobs service: one change at a time, each saved (with everything it sets off)
 * before it is answered; a thing whose pending executions changed hears of it on
 * `$aws/things/{thing}/jobs/notify` and, when its next one changed, on `…/notify-next`. A timer
 * rolls each job out at its rate and times out executions that ran past their timeouts.
 */
export class JobsService {
  private chain: Promise<unknown> = Promise.resolve();
  /** Each rolling-out job's token bucket: executions it may create now, and when it was last filled. */
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  /** What the service did and refused, for `/api/health`. */
  readonly stats = {
    requests: 0,
    rejected: 0,
    lastTickError: undefined as { at: number; message: string } | undefined,
  };

  constructor(private readonly options: JobsServiceOptions) {}

  get store(): JobStore {
    return this.options.store;
  }

  get clock(): Clock {
    return this.options.clock;
  }

  /** Runs `work` after every change before it: changes never interleave. */
  serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /**
   * Makes the changes `work` collects — and what they set off — saves them in one transaction, then
   * tells each thing whose pending executions moved. Runs inside `serial`.
   */
  async change<T>(work: (changes: JobChanges) => T | Promise<T>): Promise<T> {
    const changes = new JobChanges(this.store);
    const result = await work(changes);
    if (changes.empty) return result;
    this.settle(changes);
    const things = changes.things();
    const before = new Map(
      [...things].map((thing) => [thing, pendingShape(this.store.latestOfThing(thing))]),
    );
    await changes.commit();
    await this.announce(things, before);
    return result;
  }

  /**
   * What ended executions set off, as AWS IoT Jobs does it: a retry where the job's retry config
   * asks for one, a faster exponential rollout, the abort of a job that failed too often (its queued
   * executions canceled), and the completion of one whose every execution ended.
   */
  private settle(changes: JobChanges): void {
    const now = this.clock.now();
    const changed = changes.changedExecutions();
    for (const jobId of new Set(changed.map((e) => e.jobId))) {
      let job = changes.job(jobId);
      if (!job) continue;
      for (const ended of changed) {
        if (ended.jobId !== jobId || !TERMINAL_STATUSES.has(ended.status)) continue;
        if (job.status === "IN_PROGRESS" && retries(job, ended))
          changes.putExecution({
            jobId,
            thingName: ended.thingName,
            executionNumber: ended.executionNumber + 1,
            status: "QUEUED",
            statusDetails: {},
            queuedAt: now,
            lastUpdatedAt: now,
            versionNumber: 1,
            retryAttempt: ended.retryAttempt + 1,
          });
      }
      const counts = executionCounts(changes.latestOfJob(jobId));
      job = raiseRate(job, job.rolledOut, counts.SUCCEEDED);
      const abort = job.status === "IN_PROGRESS" ? abortCriterionMet(job, counts) : undefined;
      if (abort) {
        job = {
          ...job,
          status: "CANCELED",
          reasonCode: "ABORT_CRITERIA_MET",
          comment: abortComment(abort),
          lastUpdatedAt: now,
        };
        for (const queued of changes.latestOfJob(jobId).filter((e) => e.status === "QUEUED"))
          changes.putExecution(this.ended(queued, "CANCELED", now));
      } else if (job.status === "IN_PROGRESS" && isComplete(job, changes.latestOfJob(jobId))) {
        job = { ...job, status: "COMPLETED", completedAt: now, lastUpdatedAt: now };
      }
      if (job !== changes.job(jobId)) changes.putJob(job);
    }
  }

  /** An execution ended by the service (canceled, removed, timed out): a version on, no timeouts. */
  ended(
    execution: JobExecutionRecord,
    status: JobExecutionRecord["status"],
    now: number,
    extra: Partial<JobExecutionRecord> = {},
  ): JobExecutionRecord {
    const next: JobExecutionRecord = {
      ...execution,
      ...extra,
      status,
      lastUpdatedAt: now,
      versionNumber: execution.versionNumber + 1,
    };
    delete next.stepTimeoutAt;
    delete next.inProgressTimeoutAt;
    return next;
  }

  /** `notify` for each thing whose pending list changed, `notify-next` where its next one did. */
  private async announce(
    things: Set<string>,
    before: Map<string, { list: string; next: string }>,
  ): Promise<void> {
    const now = this.clock.now();
    for (const thing of things) {
      const executions = this.store.latestOfThing(thing);
      const after = pendingShape(executions);
      const was = before.get(thing);
      if (was?.list !== after.list) {
        const { inProgress, queued } = pendingExecutions(executions);
        const jobs: JsonObject = {};
        if (inProgress.length > 0) jobs.IN_PROGRESS = inProgress.map(executionSummary);
        if (queued.length > 0) jobs.QUEUED = queued.map(executionSummary);
        await this.options.publish(`$aws/things/${thing}/jobs/notify`, { timestamp: seconds(now), jobs });
      }
      if (was?.next !== after.next) {
        const next = nextExecution(executions);
        await this.options.publish(`$aws/things/${thing}/jobs/notify-next`, {
          timestamp: seconds(now),
          ...(next ? { execution: executionData(next, this.store.job(next.jobId)?.document, now) } : {}),
        });
      }
    }
  }

  /** Starts the timer that rolls jobs out and times executions out. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.ticking) return;
      this.ticking = this.serial(() => this.tick())
        .catch((error: unknown) => {
          this.stats.lastTickError = { at: this.clock.now(), message: (error as Error).message };
          this.options.onTickError?.(error);
        })
        .finally(() => {
          this.ticking = undefined;
        });
    }, this.options.tickMs ?? 1000);
  }

  /** Stops the timer; a tick under way finishes first. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
    await this.serial(async () => undefined);
  }

  /** One step of every rollout and every timeout: what is due now. */
  async tick(): Promise<void> {
    const now = this.clock.now();
    for (const job of this.store.allJobs()) {
      if (job.status === "IN_PROGRESS" && job.rolledOut < job.things.length) await this.rollOut(job, now);
    }
    const late = this.store
      .allJobs()
      .flatMap((job) => this.store.latestOfJob(job.jobId))
      .filter(
        (e) =>
          e.status === "IN_PROGRESS" &&
          ((e.stepTimeoutAt !== undefined && e.stepTimeoutAt <= now) ||
            (e.inProgressTimeoutAt !== undefined && e.inProgressTimeoutAt <= now)),
      );
    if (late.length > 0)
      await this.change((changes) => {
        for (const execution of late) changes.putExecution(this.ended(execution, "TIMED_OUT", now));
      });
  }

  /**
   * A rollout's bucket when the service has none: full for a job not rolled out yet; otherwise (a
   * restart) empty as of the last execution it queued, so a restart never rolls out faster.
   */
  private resumedBucket(job: JobRecord, now: number): { tokens: number; at: number } {
    if (job.rolledOut === 0) return { tokens: 1, at: now };
    let last = 0;
    for (const e of this.store.latestOfJob(job.jobId))
      if (e.retryAttempt === 0) last = Math.max(last, e.queuedAt);
    return { tokens: 0, at: Math.min(now, last || now) };
  }

  /**
   * Creates the executions a job's rate allows by now: a token bucket filled at `ratePerMinute`
   * (the first at once), holding at most five seconds' worth so a late tick does not burst.
   */
  async rollOut(job: JobRecord, now: number): Promise<void> {
    const remaining = job.things.length - job.rolledOut;
    let count = remaining;
    if (Number.isFinite(job.ratePerMinute)) {
      const perMs = job.ratePerMinute / 60_000;
      const bucket = this.buckets.get(job.jobId) ?? this.resumedBucket(job, now);
      bucket.tokens = Math.min(Math.max(1, perMs * 5_000), bucket.tokens + perMs * (now - bucket.at));
      bucket.at = now;
      count = Math.min(remaining, Math.floor(bucket.tokens));
      bucket.tokens -= count;
      this.buckets.set(job.jobId, bucket);
    }
    if (count === 0) return;
    await this.change((changes) => {
      for (const thing of job.things.slice(job.rolledOut, job.rolledOut + count)) {
        const previous = this.store.latest(job.jobId, thing);
        changes.putExecution({
          jobId: job.jobId,
          thingName: thing,
          executionNumber: (previous?.executionNumber ?? 0) + 1,
          status: "QUEUED",
          statusDetails: {},
          queuedAt: now,
          lastUpdatedAt: now,
          versionNumber: 1,
          retryAttempt: 0,
        });
      }
      changes.putJob({ ...job, rolledOut: job.rolledOut + count, lastUpdatedAt: now });
    });
    if (job.rolledOut + count >= job.things.length) this.buckets.delete(job.jobId);
  }
}
