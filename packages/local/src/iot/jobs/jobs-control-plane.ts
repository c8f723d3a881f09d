import {
  checkCreateJob,
  executionCounts,
  JOB_EXECUTION_STATUSES,
  type JobExecutionRecord,
  type JobRecord,
  type JsonObject,
  TERMINAL_STATUSES,
} from "@fleetline/core/aws";
import { at, ControlPlaneFailure, fail, page } from "./control-plane-errors.js";
import type { JobsService } from "./jobs-service.js";

function statusFilter(status: string | undefined): string | undefined {
  if (status !== undefined && !(JOB_EXECUTION_STATUSES as readonly string[]).includes(status))
    fail("InvalidRequestException", `status must be one of ${JOB_EXECUTION_STATUSES.join(", ")}`);
  return status;
}

/** The part of the AWS IoT control plane that Jobs needs, over the local Jobs service. */
export class JobsControlPlane {
  constructor(
    private readonly service: JobsService,
    private readonly things: { exists(thing: string): Promise<boolean> },
    readonly arn: { job(jobId: string): string; thing(thing: string): string; group(name: string): string },
    /** The thing groups a job may target: their things, in order. */
    private readonly groups: { membersOf(group: string): readonly string[] | undefined } = {
      membersOf: () => undefined,
    },
  ) {}

  private job(jobId: string): JobRecord {
    return (
      this.service.store.job(jobId) ?? fail("ResourceNotFoundException", `Job ${jobId} cannot be found.`)
    );
  }

  async createJob(jobId: string, body: Record<string, unknown>): Promise<JsonObject> {
    const checked = checkCreateJob(
      jobId,
      body,
      this.service.clock.now(),
      (id) => this.arn.job(id),
      (group) => this.groups.membersOf(group),
    );
    if (!checked.ok) throw new ControlPlaneFailure(checked.error);
    const job = checked.value;
    for (const thing of job.things)
      if (!(await this.things.exists(thing)))
        fail("ResourceNotFoundException", `Thing ${thing} cannot be found.`);
    await this.service.serial(async () => {
      if (this.service.store.job(jobId))
        fail("ResourceAlreadyExistsException", `Job ${jobId} already exists.`);
      await this.service.change((changes) => changes.putJob(job));
      // Without a rollout rate every target is notified at once, before CreateJob answers.
      if (!Number.isFinite(job.ratePerMinute)) await this.service.rollOut(job, this.service.clock.now());
    });
    return { jobArn: job.jobArn, jobId, ...(job.description ? { description: job.description } : {}) };
  }

  /**
   * A thing added to a group: each CONTINUOUS job in progress that targets the group takes it on,
   * and rolls out to it at the job's rate (a SNAPSHOT job keeps the things it was created with).
   */
  async thingAddedToGroup(group: string, thing: string): Promise<void> {
    const groupArn = this.arn.group(group);
    await this.service.serial(() =>
      this.service.change((changes) => {
        for (const job of this.service.store.allJobs())
          if (
            job.status === "IN_PROGRESS" &&
            job.targetSelection === "CONTINUOUS" &&
            job.targets.includes(groupArn) &&
            !job.things.includes(thing)
          )
            changes.putJob({
              ...job,
              things: [...job.things, thing],
              lastUpdatedAt: this.service.clock.now(),
            });
      }),
    );
  }

  describeJob(jobId: string): JsonObject {
    const job = this.job(jobId);
    const counts = executionCounts(this.service.store.latestOfJob(jobId));
    return {
      job: {
        jobArn: job.jobArn,
        jobId: job.jobId,
        targetSelection: job.targetSelection,
        status: job.status,
        ...(job.forceCanceled === undefined ? {} : { forceCanceled: job.forceCanceled }),
        ...(job.reasonCode ? { reasonCode: job.reasonCode } : {}),
        ...(job.comment ? { comment: job.comment } : {}),
        targets: job.targets,
        ...(job.description ? { description: job.description } : {}),
        ...(job.rollout ? { jobExecutionsRolloutConfig: job.rollout } : {}),
        ...(job.abort ? { abortConfig: { criteriaList: job.abort } } : {}),
        ...(job.inProgressTimeoutInMinutes
          ? { timeoutConfig: { inProgressTimeoutInMinutes: job.inProgressTimeoutInMinutes } }
          : {}),
        ...(job.retry ? { jobExecutionsRetryConfig: { criteriaList: job.retry } } : {}),
        createdAt: at(job.createdAt),
        lastUpdatedAt: at(job.lastUpdatedAt),
        ...(job.completedAt ? { completedAt: at(job.completedAt) } : {}),
        jobProcessDetails: {
          processingTargets:
            job.status === "IN_PROGRESS" && job.rolledOut < job.things.length ? job.targets : [],
          numberOfCanceledThings: counts.CANCELED,
          numberOfSucceededThings: counts.SUCCEEDED,
          numberOfFailedThings: counts.FAILED,
          numberOfRejectedThings: counts.REJECTED,
          numberOfQueuedThings: counts.QUEUED,
          numberOfInProgressThings: counts.IN_PROGRESS,
          numberOfRemovedThings: counts.REMOVED,
          numberOfTimedOutThings: counts.TIMED_OUT,
        },
        isConcurrent: false,
      },
    };
  }

  getJobDocument(jobId: string): JsonObject {
    return { document: this.job(jobId).document };
  }

  listJobs(query: {
    status?: string;
    targetSelection?: string;
    maxResults?: number;
    nextToken?: string;
  }): JsonObject {
    if (
      query.status !== undefined &&
      !["IN_PROGRESS", "CANCELED", "COMPLETED", "DELETION_IN_PROGRESS", "SCHEDULED"].includes(query.status)
    )
      fail(
        "InvalidRequestException",
        "status must be IN_PROGRESS, CANCELED, COMPLETED, DELETION_IN_PROGRESS or SCHEDULED",
      );
    const jobs = this.service.store
      .allJobs()
      .filter(
        (j) =>
          (query.status === undefined || j.status === query.status) &&
          (query.targetSelection === undefined || j.targetSelection === query.targetSelection),
      )
      .sort((a, b) => b.createdAt - a.createdAt || a.jobId.localeCompare(b.jobId));
    const { items, nextToken } = page(jobs, query.maxResults, query.nextToken);
    return {
      jobs: items.map((job) => ({
        jobArn: job.jobArn,
        jobId: job.jobId,
        targetSelection: job.targetSelection,
        status: job.status,
        createdAt: at(job.createdAt),
        lastUpdatedAt: at(job.lastUpdatedAt),
        ...(job.completedAt ? { completedAt: at(job.completedAt) } : {}),
        isConcurrent: false,
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  private summary(e: JobExecutionRecord): JsonObject {
    return {
      status: e.status,
      queuedAt: at(e.queuedAt),
      ...(e.startedAt === undefined ? {} : { startedAt: at(e.startedAt) }),
      lastUpdatedAt: at(e.lastUpdatedAt),
      executionNumber: e.executionNumber,
      retryAttempt: e.retryAttempt,
    };
  }

  listExecutionsForJob(
    jobId: string,
    query: { status?: string; maxResults?: number; nextToken?: string },
  ): JsonObject {
    this.job(jobId);
    const status = statusFilter(query.status);
    const executions = this.service.store
      .latestOfJob(jobId)
      .filter((e) => status === undefined || e.status === status)
      .sort((a, b) => a.queuedAt - b.queuedAt || a.thingName.localeCompare(b.thingName));
    const { items, nextToken } = page(executions, query.maxResults, query.nextToken);
    return {
      executionSummaries: items.map((e) => ({
        thingArn: this.arn.thing(e.thingName),
        jobExecutionSummary: this.summary(e),
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  listExecutionsForThing(
    thing: string,
    query: { status?: string; maxResults?: number; nextToken?: string; jobId?: string },
  ): JsonObject {
    const status = statusFilter(query.status);
    const executions = this.service.store
      .allOfThing(thing)
      .filter(
        (e) =>
          (status === undefined || e.status === status) &&
          (query.jobId === undefined || e.jobId === query.jobId),
      )
      .sort(
        (a, b) =>
          b.queuedAt - a.queuedAt || a.jobId.localeCompare(b.jobId) || b.executionNumber - a.executionNumber,
      );
    const { items, nextToken } = page(executions, query.maxResults, query.nextToken);
    return {
      executionSummaries: items.map((e) => ({ jobId: e.jobId, jobExecutionSummary: this.summary(e) })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  describeExecution(thing: string, jobId: string, executionNumber: number | undefined): JsonObject {
    this.job(jobId);
    const e =
      executionNumber === undefined
        ? this.service.store.latest(jobId, thing)
        : this.service.store.executionsOf(jobId, thing).find((x) => x.executionNumber === executionNumber);
    if (!e) return fail("ResourceNotFoundException", `No job execution of ${jobId} on ${thing}.`);
    const deadline = [e.stepTimeoutAt, e.inProgressTimeoutAt]
      .filter((t): t is number => t !== undefined)
      .sort()[0];
    return {
      execution: {
        jobId,
        status: e.status,
        ...(e.forceCanceled === undefined ? {} : { forceCanceled: e.forceCanceled }),
        statusDetails: { detailsMap: e.statusDetails },
        thingArn: this.arn.thing(thing),
        queuedAt: at(e.queuedAt),
        ...(e.startedAt === undefined ? {} : { startedAt: at(e.startedAt) }),
        lastUpdatedAt: at(e.lastUpdatedAt),
        executionNumber: e.executionNumber,
        versionNumber: e.versionNumber,
        approximateSecondsBeforeTimedOut:
          deadline === undefined ? 0 : Math.max(0, Math.round((deadline - this.service.clock.now()) / 1000)),
      },
    };
  }

  /** CancelJob: queued executions canceled; in-progress ones too with `force`. The rollout stops. */
  async cancelJob(jobId: string, body: Record<string, unknown>, force: boolean): Promise<JsonObject> {
    return this.service.serial(async () => {
      const job = this.job(jobId);
      if (job.status === "COMPLETED")
        fail("InvalidStateTransitionException", `Job ${jobId} is COMPLETED and cannot be canceled.`);
      const now = this.service.clock.now();
      await this.service.change((changes) => {
        changes.putJob({
          ...job,
          status: "CANCELED",
          forceCanceled: force || undefined,
          ...(typeof body.reasonCode === "string" ? { reasonCode: body.reasonCode } : {}),
          ...(typeof body.comment === "string" ? { comment: body.comment } : {}),
          lastUpdatedAt: now,
        });
        for (const e of this.service.store.latestOfJob(jobId))
          if (e.status === "QUEUED" || (force && e.status === "IN_PROGRESS"))
            changes.putExecution(
              this.service.ended(
                e,
                "CANCELED",
                now,
                force && e.status === "IN_PROGRESS" ? { forceCanceled: true } : {},
              ),
            );
      });
      return { jobArn: job.jobArn, jobId, ...(job.description ? { description: job.description } : {}) };
    });
  }

  /** DeleteJob: a job in progress only with `force`; its executions go with it. */
  async deleteJob(jobId: string, force: boolean): Promise<void> {
    await this.service.serial(async () => {
      const job = this.job(jobId);
      if (job.status === "IN_PROGRESS" && !force)
        fail(
          "InvalidStateTransitionException",
          `Job ${jobId} is IN_PROGRESS: cancel it first, or delete it with force.`,
        );
      const now = this.service.clock.now();
      // Pending executions end as REMOVED first, so their things hear of it; then the job goes.
      await this.service.change((changes) => {
        for (const e of this.service.store.latestOfJob(jobId))
          if (!TERMINAL_STATUSES.has(e.status)) changes.putExecution(this.service.ended(e, "REMOVED", now));
      });
      await this.service.store.remove(jobId);
    });
  }

  /** CancelJobExecution: a queued one, or with `force` one in progress; `expectedVersion` guards it. */
  async cancelExecution(
    thing: string,
    jobId: string,
    body: Record<string, unknown>,
    force: boolean,
  ): Promise<void> {
    await this.service.serial(async () => {
      this.job(jobId);
      const e =
        this.service.store.latest(jobId, thing) ??
        fail("ResourceNotFoundException", `No job execution of ${jobId} on ${thing}.`);
      if (body.expectedVersion !== undefined && body.expectedVersion !== e.versionNumber)
        fail(
          "VersionConflictException",
          `expectedVersion ${String(body.expectedVersion)} is not the execution's version ${e.versionNumber}.`,
        );
      if (TERMINAL_STATUSES.has(e.status) || (e.status === "IN_PROGRESS" && !force))
        fail(
          "InvalidStateTransitionException",
          `The execution of ${jobId} on ${thing} is ${e.status}${e.status === "IN_PROGRESS" ? ": cancel it with force" : ""}.`,
        );
      const details = body.statusDetails as Record<string, string> | undefined;
      const now = this.service.clock.now();
      await this.service.change((changes) =>
        changes.putExecution(
          this.service.ended(e, "CANCELED", now, {
            ...(force ? { forceCanceled: true } : {}),
            ...(details ? { statusDetails: details } : {}),
          }),
        ),
      );
    });
  }
}
