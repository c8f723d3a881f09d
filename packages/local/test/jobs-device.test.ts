import { CreateJobCommand, DescribeJobCommand, DescribeJobExecutionCommand } from "@aws-sdk/client-iot";
import { describe, expect, it } from "vitest";
import { closed, waitFor } from "./helpers.js";
import {
  arnOf,
  ask,
  brokerRefused,
  clock,
  iot,
  jobsRejected,
  jobsRequests,
  robot,
  useJobsRuntime,
} from "./jobs-fixture.js";

useJobsRuntime();

describe("AWS IoT Jobs, device side over MQTT", () => {
  it("takes a job created with @aws-sdk/client-iot through start-next and update to SUCCEEDED, replying to the device alone", async () => {
    const device = await robot("rb-jobs-1");
    const other = await robot("rb-jobs-2");
    try {
      await device.client.subscribeAsync("$aws/things/rb-jobs-1/jobs/notify-next", { qos: 1 });
      // The other robot listens on rb-jobs-1's replies: the policy grants it none of them.
      await expect(
        other.client.subscribeAsync("$aws/things/rb-jobs-1/jobs/start-next/accepted", { qos: 1 }),
      ).rejects.toThrow(/Subscribe error/);

      const created = await iot.send(
        new CreateJobCommand({
          jobId: "fw-2-0-0",
          targets: [await arnOf("rb-jobs-1")],
          document: JSON.stringify({ operation: "firmware", version: "2.0.0" }),
          description: "robot firmware 2.0.0",
        }),
      );
      expect(created).toMatchObject({
        jobId: "fw-2-0-0",
        jobArn: "arn:aws:iot:us-east-1:000000000000:job/fw-2-0-0",
      });
      const next = await waitFor(
        () =>
          device.messages.get("$aws/things/rb-jobs-1/jobs/notify-next")?.at(-1) as
            | Record<string, unknown>
            | undefined,
        "notify-next",
      );
      expect(next.execution).toMatchObject({
        jobId: "fw-2-0-0",
        thingName: "rb-jobs-1",
        status: "QUEUED",
        jobDocument: { operation: "firmware", version: "2.0.0" },
        versionNumber: 1,
        executionNumber: 1,
      });

      // No subscription to start-next/accepted: AWS delivers the reply to the client that asked.
      const started = await ask(device, "$aws/things/rb-jobs-1/jobs/start-next", {
        clientToken: "t-1",
        statusDetails: { step: "downloading" },
        stepTimeoutInMinutes: 10,
      });
      expect(started).toMatchObject({
        outcome: "accepted",
        document: {
          clientToken: "t-1",
          execution: { status: "IN_PROGRESS", versionNumber: 2, statusDetails: { step: "downloading" } },
        },
      });

      const stale = await ask(device, "$aws/things/rb-jobs-1/jobs/fw-2-0-0/update", {
        status: "IN_PROGRESS",
        expectedVersion: 1,
        clientToken: "t-2",
      });
      expect(stale).toMatchObject({
        outcome: "rejected",
        document: {
          code: "VersionMismatch",
          clientToken: "t-2",
          executionState: { status: "IN_PROGRESS", versionNumber: 2 },
        },
      });

      const done = await ask(device, "$aws/things/rb-jobs-1/jobs/fw-2-0-0/update", {
        status: "SUCCEEDED",
        expectedVersion: 2,
        statusDetails: { firmware: "2.0.0" },
        includeJobExecutionState: true,
      });
      expect(done).toMatchObject({
        outcome: "accepted",
        document: {
          executionState: { status: "SUCCEEDED", versionNumber: 3, statusDetails: { firmware: "2.0.0" } },
        },
      });
      const again = await ask(device, "$aws/things/rb-jobs-1/jobs/fw-2-0-0/update", {
        status: "IN_PROGRESS",
      });
      expect(again.document).toMatchObject({
        code: "InvalidStateTransition",
        executionState: { status: "SUCCEEDED" },
      });
      expect((await ask(device, "$aws/things/rb-jobs-1/jobs/fw-2-0-0/get", {})).document).toMatchObject({
        code: "TerminalStateReached",
      });
      // The last notify-next says nothing is next.
      await waitFor(() => {
        const last = device.messages.get("$aws/things/rb-jobs-1/jobs/notify-next")?.at(-1) as
          | { execution?: unknown }
          | undefined;
        return last !== undefined && last.execution === undefined;
      }, "an empty notify-next");

      const job = (await iot.send(new DescribeJobCommand({ jobId: "fw-2-0-0" }))).job;
      expect(job).toMatchObject({
        status: "COMPLETED",
        jobProcessDetails: { numberOfSucceededThings: 1, numberOfQueuedThings: 0 },
      });
      expect(job?.completedAt).toBeInstanceOf(Date);
      const execution = (
        await iot.send(new DescribeJobExecutionCommand({ jobId: "fw-2-0-0", thingName: "rb-jobs-1" }))
      ).execution;
      expect(execution).toMatchObject({
        status: "SUCCEEDED",
        versionNumber: 3,
        statusDetails: { detailsMap: { firmware: "2.0.0" } },
      });
      // The other robot saw none of it.
      expect([...other.messages.keys()]).toEqual([]);
    } finally {
      await device.client.endAsync();
      await other.client.endAsync();
    }
  });

  it("answers what AWS refuses — no such execution, bad JSON — each counted", async () => {
    const device = await robot("rb-jobs-3");
    const rejectedBefore = await jobsRejected();
    try {
      expect(
        (await ask(device, "$aws/things/rb-jobs-3/jobs/nope/get", { clientToken: "c" })).document,
      ).toMatchObject({
        code: "ResourceNotFound",
        clientToken: "c",
      });
      expect((await ask(device, "$aws/things/rb-jobs-3/jobs/start-next", {})).document).toEqual({
        timestamp: Math.floor(clock.now() / 1000),
      });
      const seenBefore = device.messages.get("$aws/things/rb-jobs-3/jobs/get/rejected")?.length ?? 0;
      await device.client.publishAsync("$aws/things/rb-jobs-3/jobs/get", "{not json", { qos: 1 });
      const bad = await waitFor(
        () =>
          (device.messages.get("$aws/things/rb-jobs-3/jobs/get/rejected")?.length ?? 0) > seenBefore &&
          device.messages.get("$aws/things/rb-jobs-3/jobs/get/rejected")?.at(-1),
        "InvalidJson",
      );
      expect(bad).toMatchObject({ code: "InvalidJson" });
      expect(await jobsRejected()).toBe(rejectedBefore + 2);
    } finally {
      await device.client.endAsync();
    }
  });

  it("disconnects a device that asks for another thing's jobs, as AWS IoT Core does, and counts it", async () => {
    const device = await robot("rb-jobs-4");
    const refusedBefore = await brokerRefused();
    const requestsBefore = await jobsRequests();
    const gone = closed(device.client);
    device.client.publish("$aws/things/rb-jobs-1/jobs/get", "{}", { qos: 1 });
    await gone;
    device.client.end(true);
    expect(await brokerRefused()).toBe(refusedBefore + 1);
    // The service never saw the request.
    expect(await jobsRequests()).toBe(requestsBefore);
  });
});
