import {
  DescribeJobCommand,
  type DescribeJobCommandOutput,
  GetJobDocumentCommand,
  type IoTClient,
  type JobExecutionSummary,
  ListJobExecutionsForJobCommand,
  ListJobExecutionsForThingCommand,
  ListJobsCommand,
  ListThingsInThingGroupCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-iot";
import { JOB_EXECUTION_STATUSES, type JobExecutionStatus, type JobStatus } from "@fleetline/core/aws";
import type { JobDetailView, JobExecutionView, JobSummaryView, JobsReader } from "@fleetline/core/commands";

export interface IotJobsReaderOptions {
  /**
   * The stage's prefix (`prod_`): its jobs and things are named with it (`fleetline jobs create
   * --stage` names them so), and only those are read — AWS IoT lists the whole account's.
   */
  prefix: string;
}

const ms = (date: Date | undefined) => date?.getTime();

function execution(jobId: string, thing: string, summary: JobExecutionSummary | undefined): JobExecutionView {
  return {
    jobId,
    thing,
    status: (summary?.status ?? "QUEUED") as JobExecutionStatus,
    executionNumber: summary?.executionNumber ?? 1,
    retryAttempt: summary?.retryAttempt ?? 0,
    queuedAt: ms(summary?.queuedAt) ?? 0,
    ...(summary?.startedAt ? { startedAt: summary.startedAt.getTime() } : {}),
    lastUpdatedAt: ms(summary?.lastUpdatedAt) ?? 0,
  };
}

/** A stage's jobs through AWS IoT's control plane (ListJobs, DescribeJob, the execution listings). */
export class IotJobsReader implements JobsReader {
  constructor(
    private readonly iot: IoTClient,
    private readonly options: IotJobsReaderOptions,
  ) {}

  private ours(name: string | undefined): boolean {
    return name?.startsWith(this.options.prefix) ?? false;
  }

  async jobs(limit = 100): Promise<JobSummaryView[]> {
    const found: JobSummaryView[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.iot.send(new ListJobsCommand({ maxResults: 250, nextToken }));
      for (const job of page.jobs ?? [])
        if (this.ours(job.jobId))
          found.push({
            jobId: job.jobId as string,
            status: job.status as JobStatus,
            createdAt: ms(job.createdAt) ?? 0,
            lastUpdatedAt: ms(job.lastUpdatedAt) ?? 0,
            ...(job.completedAt ? { completedAt: job.completedAt.getTime() } : {}),
          });
      nextToken = page.nextToken;
    } while (nextToken);
    return found.sort((a, b) => b.createdAt - a.createdAt || a.jobId.localeCompare(b.jobId)).slice(0, limit);
  }

  async job(jobId: string): Promise<JobDetailView | undefined> {
    if (!this.ours(jobId)) return undefined;
    let described: DescribeJobCommandOutput;
    try {
      described = await this.iot.send(new DescribeJobCommand({ jobId }));
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
    const job = described.job ?? {};
    const { document } = await this.iot.send(new GetJobDocumentCommand({ jobId }));
    const executions: JobExecutionView[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.iot.send(
        new ListJobExecutionsForJobCommand({ jobId, maxResults: 250, nextToken }),
      );
      for (const e of page.executionSummaries ?? [])
        executions.push(execution(jobId, e.thingArn?.split("/").at(-1) ?? "", e.jobExecutionSummary));
      nextToken = page.nextToken;
    } while (nextToken);
    const d = job.jobProcessDetails ?? {};
    const counts = Object.fromEntries(JOB_EXECUTION_STATUSES.map((s) => [s, 0])) as JobDetailView["counts"];
    Object.assign(counts, {
      QUEUED: d.numberOfQueuedThings ?? 0,
      IN_PROGRESS: d.numberOfInProgressThings ?? 0,
      SUCCEEDED: d.numberOfSucceededThings ?? 0,
      FAILED: d.numberOfFailedThings ?? 0,
      TIMED_OUT: d.numberOfTimedOutThings ?? 0,
      REJECTED: d.numberOfRejectedThings ?? 0,
      REMOVED: d.numberOfRemovedThings ?? 0,
      CANCELED: d.numberOfCanceledThings ?? 0,
    });
    return {
      jobId,
      status: job.status as JobStatus,
      ...(job.description ? { description: job.description } : {}),
      createdAt: ms(job.createdAt) ?? 0,
      lastUpdatedAt: ms(job.lastUpdatedAt) ?? 0,
      ...(job.completedAt ? { completedAt: job.completedAt.getTime() } : {}),
      document: document ?? "{}",
      targets: await this.thingsTargeted(job.targets ?? []),
      ...(job.reasonCode ? { reasonCode: job.reasonCode } : {}),
      ...(job.comment ? { comment: job.comment } : {}),
      counts,
      executions: executions.sort((a, b) => a.thing.localeCompare(b.thing)),
    };
  }

  /** How many things a job's targets hold: each thing named, and the things in each group now. */
  private async thingsTargeted(targets: readonly string[]): Promise<number> {
    let count = 0;
    for (const target of targets) {
      const group = /:thinggroup\/(.+)$/.exec(target)?.[1];
      if (group === undefined) {
        count += 1;
        continue;
      }
      let nextToken: string | undefined;
      do {
        const page = await this.iot.send(
          new ListThingsInThingGroupCommand({ thingGroupName: group, maxResults: 250, nextToken }),
        );
        count += page.things?.length ?? 0;
        nextToken = page.nextToken;
      } while (nextToken);
    }
    return count;
  }

  async ofThing(thing: string): Promise<JobExecutionView[]> {
    if (!this.ours(thing)) return [];
    const found: JobExecutionView[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page = await this.iot.send(
          new ListJobExecutionsForThingCommand({ thingName: thing, maxResults: 100, nextToken }),
        );
        for (const e of page.executionSummaries ?? [])
          if (this.ours(e.jobId)) found.push(execution(e.jobId as string, thing, e.jobExecutionSummary));
        nextToken = page.nextToken;
      } while (nextToken);
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return [];
      throw error;
    }
    return found.sort(
      (a, b) =>
        b.queuedAt - a.queuedAt || b.executionNumber - a.executionNumber || a.jobId.localeCompare(b.jobId),
    );
  }
}
