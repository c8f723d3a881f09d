import { describe, expect, it } from "vitest";
import type { JobExecutionStatus, JobStatus } from "../src/aws/index.js";
import type { JobExecutionView, JobsReader } from "../src/commands/index.js";
import { useFixture } from "./fixture.js";

/** A job as a contract test puts it where the reader reads: its own fields and each execution. */
export interface SeededJob {
  jobId: string;
  status: JobStatus;
  description?: string;
  document: string;
  createdAt: number;
  lastUpdatedAt: number;
  completedAt?: number;
  reasonCode?: string;
  comment?: string;
  executions: Array<Omit<JobExecutionView, "jobId">>;
}

export interface JobsReaderFixture {
  reader: JobsReader;
  /** Puts jobs and their executions where the reader reads them (the store, or the mocked service). */
  seed(jobs: SeededJob[]): Promise<void>;
  close(): Promise<void>;
}

const T0 = 1_796_000_000_000;

/**
 * The behaviour every jobs-reader adapter must have. `prefix` is what the reader's jobs and things
 * are named with (an AWS stage's `prod_`; nothing locally): others are not its own.
 */
export function describeJobsReaderContract(
  name: string,
  setup: () => Promise<JobsReaderFixture>,
  prefix = "",
) {
  describe(`${name} (jobs reader contract)`, () => {
    const current = useFixture(setup);
    const ex = (
      thing: string,
      status: JobExecutionStatus,
      at: number,
      more: Partial<JobExecutionView> = {},
    ) => ({
      thing: `${prefix}${thing}`,
      status,
      executionNumber: 1,
      retryAttempt: 0,
      queuedAt: at,
      lastUpdatedAt: at + 1_000,
      ...(status === "QUEUED" ? {} : { startedAt: at + 500 }),
      ...more,
    });
    const jobs: SeededJob[] = [
      {
        jobId: `${prefix}fw-1`,
        status: "COMPLETED",
        description: "robot firmware 2.0.0",
        document: '{"operation":"firmware","version":"2.0.0"}',
        createdAt: T0,
        lastUpdatedAt: T0 + 60_000,
        completedAt: T0 + 60_000,
        executions: [ex("rb-2", "SUCCEEDED", T0), ex("rb-1", "FAILED", T0 + 1_000)],
      },
      {
        jobId: `${prefix}fw-2`,
        status: "CANCELED",
        document: '{"operation":"firmware","version":"2.1.0"}',
        createdAt: T0 + 120_000,
        lastUpdatedAt: T0 + 180_000,
        reasonCode: "ABORT_CRITERIA_MET",
        comment: "aborted by abortConfig",
        executions: [
          ex("rb-1", "SUCCEEDED", T0 + 150_000, { executionNumber: 2, retryAttempt: 1 }),
          ex("rb-2", "IN_PROGRESS", T0 + 121_000),
          ex("rb-3", "CANCELED", T0 + 122_000),
        ],
      },
    ];

    // As AWS's ListJobs: a job's description is read with the job, not in the list.
    it("lists the jobs newest first, as many as asked", async () => {
      await current().seed(jobs);
      expect(await current().reader.jobs()).toEqual([
        { jobId: `${prefix}fw-2`, status: "CANCELED", createdAt: T0 + 120_000, lastUpdatedAt: T0 + 180_000 },
        {
          jobId: `${prefix}fw-1`,
          status: "COMPLETED",
          createdAt: T0,
          lastUpdatedAt: T0 + 60_000,
          completedAt: T0 + 60_000,
        },
      ]);
      expect((await current().reader.jobs(1)).map((j) => j.jobId)).toEqual([`${prefix}fw-2`]);
    });

    it("describes a job: its document, why it ended, the counts and each thing's execution by name", async () => {
      await current().seed(jobs);
      const job = await current().reader.job(`${prefix}fw-2`);
      expect(await current().reader.job(`${prefix}fw-1`)).toMatchObject({
        description: "robot firmware 2.0.0",
      });
      expect(job).toMatchObject({
        jobId: `${prefix}fw-2`,
        status: "CANCELED",
        document: '{"operation":"firmware","version":"2.1.0"}',
        targets: 3,
        reasonCode: "ABORT_CRITERIA_MET",
        comment: "aborted by abortConfig",
        counts: { SUCCEEDED: 1, IN_PROGRESS: 1, CANCELED: 1, QUEUED: 0, FAILED: 0 },
      });
      expect(job?.executions.map((e) => [e.thing, e.status, e.executionNumber])).toEqual([
        [`${prefix}rb-1`, "SUCCEEDED", 2],
        [`${prefix}rb-2`, "IN_PROGRESS", 1],
        [`${prefix}rb-3`, "CANCELED", 1],
      ]);
      expect(job?.executions[1]).toEqual({
        jobId: `${prefix}fw-2`,
        ...ex("rb-2", "IN_PROGRESS", T0 + 121_000),
      });
      expect(await current().reader.job(`${prefix}nope`)).toBeUndefined();
    });

    it("lists a thing's executions newest first, and none for a thing without jobs", async () => {
      await current().seed(jobs);
      expect(
        (await current().reader.ofThing(`${prefix}rb-1`)).map((e) => [e.jobId, e.status, e.executionNumber]),
      ).toEqual([
        [`${prefix}fw-2`, "SUCCEEDED", 2],
        [`${prefix}fw-1`, "FAILED", 1],
      ]);
      expect(await current().reader.ofThing(`${prefix}rb-9`)).toEqual([]);
    });
  });
}
