import {
  DescribeJobCommand,
  GetJobDocumentCommand,
  IoTClient,
  ListJobExecutionsForJobCommand,
  ListJobExecutionsForThingCommand,
  ListJobsCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-iot";
import { describeJobsReaderContract, type SeededJob } from "@fleetline/core/contract";
import { mockClient } from "aws-sdk-client-mock";
import { expect, it } from "vitest";
import { IotJobsReader } from "../src/adapters/iot-jobs-reader.js";

const ARN = "arn:aws:iot:eu-west-1:123456789012";
const date = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms));

/**
 * AWS IoT's Jobs reads behind aws-sdk-client-mock, as the service answers them: the whole account's
 * jobs, paged by 2 here so the reader has to follow nextToken; counts in `jobProcessDetails`; one
 * (the latest) execution per thing for a job, every execution for a thing; unknown ids are
 * ResourceNotFoundException.
 */
function fakeJobs() {
  const mock = mockClient(IoTClient);
  let jobs: SeededJob[] = [];
  const notFound = (what: string) =>
    new ResourceNotFoundException({ message: `${what} cannot be found.`, $metadata: {} });
  const find = (jobId: string | undefined) => {
    const job = jobs.find((j) => j.jobId === jobId);
    if (!job) throw notFound(`Job ${jobId}`);
    return job;
  };
  const page = <T>(items: T[], token: string | undefined, size: number) => {
    const start = Number(token ?? 0);
    return {
      items: items.slice(start, start + size),
      nextToken: start + size < items.length ? String(start + size) : undefined,
    };
  };
  const summary = (e: SeededJob["executions"][number]) => ({
    status: e.status,
    queuedAt: date(e.queuedAt),
    startedAt: date(e.startedAt),
    lastUpdatedAt: date(e.lastUpdatedAt),
    executionNumber: e.executionNumber,
    retryAttempt: e.retryAttempt,
  });
  const latest = (job: SeededJob) => {
    const byThing = new Map<string, SeededJob["executions"][number]>();
    for (const e of job.executions) {
      const seen = byThing.get(e.thing);
      if (!seen || e.executionNumber > seen.executionNumber) byThing.set(e.thing, e);
    }
    return [...byThing.values()];
  };
  function install() {
    mock.on(ListJobsCommand).callsFake(({ nextToken }) => {
      const { items, nextToken: next } = page(jobs, nextToken, 2);
      return {
        jobs: items.map((j) => ({
          jobArn: `${ARN}:job/${j.jobId}`,
          jobId: j.jobId,
          status: j.status,
          targetSelection: "SNAPSHOT",
          createdAt: date(j.createdAt),
          lastUpdatedAt: date(j.lastUpdatedAt),
          completedAt: date(j.completedAt),
        })),
        nextToken: next,
      };
    });
    mock.on(DescribeJobCommand).callsFake(({ jobId }) => {
      const job = find(jobId);
      const count = (status: string) => latest(job).filter((e) => e.status === status).length;
      return {
        job: {
          jobArn: `${ARN}:job/${job.jobId}`,
          jobId: job.jobId,
          status: job.status,
          description: job.description,
          targets: [...new Set(job.executions.map((e) => `${ARN}:thing/${e.thing}`))],
          createdAt: date(job.createdAt),
          lastUpdatedAt: date(job.lastUpdatedAt),
          completedAt: date(job.completedAt),
          reasonCode: job.reasonCode,
          comment: job.comment,
          jobProcessDetails: {
            numberOfQueuedThings: count("QUEUED"),
            numberOfInProgressThings: count("IN_PROGRESS"),
            numberOfSucceededThings: count("SUCCEEDED"),
            numberOfFailedThings: count("FAILED"),
            numberOfRejectedThings: count("REJECTED"),
            numberOfTimedOutThings: count("TIMED_OUT"),
            numberOfRemovedThings: count("REMOVED"),
            numberOfCanceledThings: count("CANCELED"),
          },
        },
      };
    });
    mock.on(GetJobDocumentCommand).callsFake(({ jobId }) => ({ document: find(jobId).document }));
    mock.on(ListJobExecutionsForJobCommand).callsFake(({ jobId, nextToken }) => {
      const { items, nextToken: next } = page(latest(find(jobId)), nextToken, 2);
      return {
        executionSummaries: items.map((e) => ({
          thingArn: `${ARN}:thing/${e.thing}`,
          jobExecutionSummary: summary(e),
        })),
        nextToken: next,
      };
    });
    mock.on(ListJobExecutionsForThingCommand).callsFake(({ thingName, nextToken }) => {
      const all = jobs.flatMap((j) =>
        j.executions.filter((e) => e.thing === thingName).map((e) => ({ jobId: j.jobId, e })),
      );
      const { items, nextToken: next } = page(all, nextToken, 2);
      return {
        executionSummaries: items.map(({ jobId, e }) => ({ jobId, jobExecutionSummary: summary(e) })),
        nextToken: next,
      };
    });
  }
  install();
  return {
    client: new IoTClient({ region: "eu-west-1" }),
    mock,
    seed: (seeded: SeededJob[]) => {
      jobs = [...jobs, ...seeded];
    },
    reset: () => {
      jobs = [];
      mock.reset();
      install();
    },
  };
}

const fake = fakeJobs();

describeJobsReaderContract(
  "IotJobsReader (mocked AWS IoT)",
  async () => {
    fake.reset();
    // Another stage's job in the same account: never this stage's.
    fake.seed([
      {
        jobId: "dev_fw-9",
        status: "IN_PROGRESS",
        document: "{}",
        createdAt: 1_900_000_000_000,
        lastUpdatedAt: 1_900_000_000_000,
        executions: [],
      },
    ]);
    return {
      reader: new IotJobsReader(fake.client, { prefix: "test_" }),
      seed: async (jobs) => fake.seed(jobs),
      close: async () => fake.reset(),
    };
  },
  "test_",
);

it("reads nothing of a job or thing outside the stage's prefix, without asking AWS", async () => {
  fake.reset();
  const reader = new IotJobsReader(fake.client, { prefix: "test_" });
  expect(await reader.job("dev_fw-9")).toBeUndefined();
  expect(await reader.ofThing("dev_rb-1")).toEqual([]);
  expect(fake.mock.calls()).toHaveLength(0);
});
