import {
  AddThingToThingGroupCommand,
  CancelJobCommand,
  CreateJobCommand,
  CreateThingGroupCommand,
  DeleteJobCommand,
  DescribeJobCommand,
  DescribeJobExecutionCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  type IoTClient,
  ListJobExecutionsForJobCommand,
  ListJobExecutionsForThingCommand,
  ListJobsCommand,
  ListThingGroupsForThingCommand,
  ListThingsInThingGroupCommand,
  RemoveThingFromThingGroupCommand,
} from "@aws-sdk/client-iot";
import { manualClock } from "@fleetline/core/common";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../src/runtime/runtime.js";
import { closed, connectDevice, localIotClient, startRuntime, waitFor } from "./helpers.js";

let runtime: Runtime;
let iot: IoTClient;
const clock = manualClock(Date.parse("2026-12-07T08:00:00Z"));

beforeAll(async () => {
  runtime = await startRuntime({}, clock);
  iot = localIotClient(runtime.urls.http);
});

afterAll(async () => {
  iot?.destroy();
  await runtime?.stop();
});

/** A registered robot on MQTT, recording what arrives on each topic. */
async function robot(thing: string): Promise<{ client: MqttClient; messages: Map<string, unknown[]> }> {
  const { token } = await runtime.registry.register(thing, "robot");
  const client = await connectDevice(runtime.urls.mqtt, thing, token);
  const messages = new Map<string, unknown[]>();
  client.on("message", (topic, payload) => {
    messages.set(topic, [...(messages.get(topic) ?? []), JSON.parse(payload.toString())]);
  });
  return { client, messages };
}

/** A component's metrics in `/api/health`. */
async function metrics(component: string): Promise<Record<string, number>> {
  const report = (await (await fetch(`${runtime.urls.http}/api/health`)).json()) as {
    components: { name: string; metrics?: Record<string, number> }[];
  };
  return report.components.find((c) => c.name === component)?.metrics ?? {};
}
const jobsRejected = async () => (await metrics("jobs")).rejected ?? Number.NaN;
const jobsRequests = async () => (await metrics("jobs")).requests ?? Number.NaN;
const brokerRefused = async () => (await metrics("broker")).refused ?? Number.NaN;

const arnOf = async (thing: string) =>
  (await iot.send(new DescribeThingCommand({ thingName: thing }))).thingArn as string;

/** Publishes a jobs request and waits for the one reply on `…/accepted` or `…/rejected`. */
async function ask(
  device: { client: MqttClient; messages: Map<string, unknown[]> },
  topic: string,
  request: Record<string, unknown>,
): Promise<{ outcome: "accepted" | "rejected"; document: Record<string, unknown> }> {
  const seen = (outcome: string) => device.messages.get(`${topic}/${outcome}`)?.length ?? 0;
  const before = { accepted: seen("accepted"), rejected: seen("rejected") };
  await device.client.publishAsync(topic, JSON.stringify(request), { qos: 1 });
  return waitFor(() => {
    for (const outcome of ["accepted", "rejected"] as const)
      if (seen(outcome) > before[outcome])
        return {
          outcome,
          document: device.messages.get(`${topic}/${outcome}`)?.at(-1) as Record<string, unknown>,
        };
    return undefined;
  }, `a reply on ${topic}`);
}

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

describe("AWS IoT Jobs, control plane through @aws-sdk/client-iot", () => {
  it("targets thing groups: their things in order, more than 100 through a group, new members of a CONTINUOUS job's group", async () => {
    const robots = Array.from({ length: 120 }, (_, n) => `rb-grp-${String(n).padStart(3, "0")}`);
    for (const thing of robots) await runtime.registry.register(thing, "robot");
    const { thingGroupArn } = await iot.send(
      new CreateThingGroupCommand({
        thingGroupName: "grp-robots",
        thingGroupProperties: { thingGroupDescription: "every robot" },
      }),
    );
    expect(thingGroupArn).toBe("arn:aws:iot:us-east-1:000000000000:thinggroup/grp-robots");
    // Created again alike: the same group; with other properties: refused.
    await iot.send(
      new CreateThingGroupCommand({
        thingGroupName: "grp-robots",
        thingGroupProperties: { thingGroupDescription: "every robot" },
      }),
    );
    await expect(
      iot.send(new CreateThingGroupCommand({ thingGroupName: "grp-robots" })),
    ).rejects.toMatchObject({ name: "ResourceAlreadyExistsException" });
    for (const thingName of robots.slice(0, 110))
      await iot.send(new AddThingToThingGroupCommand({ thingGroupName: "grp-robots", thingName }));
    await iot.send(new AddThingToThingGroupCommand({ thingGroupArn, thingName: robots[0] }));
    expect(
      (await iot.send(new DescribeThingGroupCommand({ thingGroupName: "grp-robots" }))).thingGroupProperties,
    ).toEqual({ thingGroupDescription: "every robot" });
    const firstPage = await iot.send(
      new ListThingsInThingGroupCommand({ thingGroupName: "grp-robots", maxResults: 100 }),
    );
    expect(firstPage.things).toEqual(robots.slice(0, 100));
    const secondPage = await iot.send(
      new ListThingsInThingGroupCommand({ thingGroupName: "grp-robots", nextToken: firstPage.nextToken }),
    );
    expect(secondPage.things).toEqual(robots.slice(100, 110));

    // 101 things by ARN is over AWS's 100 targets; the group is one target.
    const arns = robots.slice(0, 101).map((thing) => `arn:aws:iot:us-east-1:000000000000:thing/${thing}`);
    await expect(
      iot.send(new CreateJobCommand({ jobId: "grp-many", targets: arns, document: "{}" })),
    ).rejects.toMatchObject({ name: "LimitExceededException" });
    await iot.send(
      new CreateJobCommand({
        jobId: "grp-snap",
        targets: [thingGroupArn as string, `arn:aws:iot:us-east-1:000000000000:thing/${robots[114]}`],
        document: "{}",
      }),
    );
    await iot.send(
      new CreateJobCommand({
        jobId: "grp-cont",
        targets: [thingGroupArn as string],
        targetSelection: "CONTINUOUS",
        document: "{}",
      }),
    );
    const executions = async (jobId: string) => {
      const things: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await iot.send(
          new ListJobExecutionsForJobCommand({ jobId, maxResults: 250, nextToken }),
        );
        things.push(...(page.executionSummaries ?? []).map((e) => e.thingArn?.split("/").at(-1) as string));
        nextToken = page.nextToken;
      } while (nextToken);
      return things.sort();
    };
    expect(await executions("grp-snap")).toEqual([...robots.slice(0, 110), robots[114]].sort());
    expect(await executions("grp-cont")).toHaveLength(110);

    // A thing joins the group: the CONTINUOUS job takes it on, the SNAPSHOT job does not.
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: "grp-robots", thingName: robots[119] }));
    await waitFor(async () => (await executions("grp-cont")).length === 111, "grp-cont on the new member");
    expect(await executions("grp-snap")).toHaveLength(111);
    expect((await executions("grp-snap")).includes(robots[119] as string)).toBe(false);

    // A thing leaves its groups when it is removed or taken out.
    await iot.send(
      new RemoveThingFromThingGroupCommand({ thingGroupName: "grp-robots", thingName: robots[1] }),
    );
    await runtime.registry.remove(robots[2] as string);
    const members = await iot.send(
      new ListThingsInThingGroupCommand({ thingGroupName: "grp-robots", maxResults: 250 }),
    );
    expect(members.things).toHaveLength(109);
    expect(members.things).not.toContain(robots[1]);
    expect(members.things).not.toContain(robots[2]);
    expect(
      (await iot.send(new ListThingGroupsForThingCommand({ thingName: robots[0] }))).thingGroups,
    ).toEqual([{ groupName: "grp-robots", groupArn: thingGroupArn }]);
    await iot.send(new CancelJobCommand({ jobId: "grp-snap" }));
    await iot.send(new CancelJobCommand({ jobId: "grp-cont" }));
  });

  it("refuses as AWS does: an unknown job, a second job of one id, a document over 32 KB, deleting a job in progress", async () => {
    await runtime.registry.register("rb-jobs-ctl", "robot");
    const target = await arnOf("rb-jobs-ctl");
    await expect(iot.send(new DescribeJobCommand({ jobId: "missing" }))).rejects.toMatchObject({
      name: "ResourceNotFoundException",
      message: "Job missing cannot be found.",
    });
    await iot.send(new CreateJobCommand({ jobId: "ctl-1", targets: [target], document: "{}" }));
    await expect(
      iot.send(new CreateJobCommand({ jobId: "ctl-1", targets: [target], document: "{}" })),
    ).rejects.toMatchObject({
      name: "ResourceAlreadyExistsException",
    });
    await expect(
      iot.send(
        new CreateJobCommand({
          jobId: "ctl-2",
          targets: [target],
          document: JSON.stringify({ x: "y".repeat(33_000) }),
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidRequestException", message: expect.stringContaining("32 KB") });
    await expect(
      iot.send(
        new CreateJobCommand({
          jobId: "ctl-3",
          targets: ["arn:aws:iot:us-east-1:000000000000:thing/nobody"],
          document: "{}",
        }),
      ),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException", message: "Thing nobody cannot be found." });
    await expect(iot.send(new DeleteJobCommand({ jobId: "ctl-1" }))).rejects.toMatchObject({
      name: "InvalidStateTransitionException",
    });
    const listed = await iot.send(new ListJobExecutionsForThingCommand({ thingName: "rb-jobs-ctl" }));
    expect(listed.executionSummaries).toEqual([
      {
        jobId: "ctl-1",
        jobExecutionSummary: expect.objectContaining({
          status: "QUEUED",
          executionNumber: 1,
          retryAttempt: 0,
        }),
      },
    ]);
    await iot.send(new CancelJobCommand({ jobId: "ctl-1", reasonCode: "OPERATOR", comment: "wrong build" }));
    expect((await iot.send(new DescribeJobCommand({ jobId: "ctl-1" }))).job).toMatchObject({
      status: "CANCELED",
      reasonCode: "OPERATOR",
      comment: "wrong build",
      jobProcessDetails: { numberOfCanceledThings: 1 },
    });
    await iot.send(new DeleteJobCommand({ jobId: "ctl-1" }));
    expect((await iot.send(new ListJobsCommand({}))).jobs?.map((j) => j.jobId)).not.toContain("ctl-1");
  });

  it("rolls a job out at its rate, raises an exponential rate, and aborts once failures pass the threshold", async () => {
    const things = Array.from({ length: 30 }, (_, i) => `rb-roll-${String(i).padStart(2, "0")}`);
    const tokens = new Map<string, string>();
    for (const thing of things) tokens.set(thing, (await runtime.registry.register(thing, "robot")).token);
    await iot.send(
      new CreateJobCommand({
        jobId: "roll-1",
        targets: things.map((t) => `arn:aws:iot:us-east-1:000000000000:thing/${t}`),
        document: JSON.stringify({ operation: "firmware", version: "2.1.0" }),
        jobExecutionsRolloutConfig: {
          maximumPerMinute: 120,
          exponentialRate: {
            baseRatePerMinute: 60,
            incrementFactor: 2,
            rateIncreaseCriteria: { numberOfNotifiedThings: 5 },
          },
        },
        abortConfig: {
          criteriaList: [
            {
              failureType: "FAILED",
              action: "CANCEL",
              thresholdPercentage: 50,
              minNumberOfExecutedThings: 4,
            },
          ],
        },
      }),
    );
    const executions = async () =>
      (await iot.send(new ListJobExecutionsForJobCommand({ jobId: "roll-1", maxResults: 250 })))
        .executionSummaries ?? [];
    // The first at once; then 60 a minute: one a second on this clock.
    await waitFor(async () => (await executions()).length === 1, "the first execution");
    clock.advance(5_000);
    await waitFor(
      async () => (await executions()).length === 6,
      "five more after five seconds at 60 a minute",
    );
    // Five notified: the rate doubles to 120 a minute, two a second — capped at five seconds' worth a step.
    clock.advance(2_500);
    await waitFor(async () => (await executions()).length === 11, "five more after 2.5 s at 120 a minute");
    // Four of the notified things fail two of theirs: 50 % of 4 ended — the job aborts.
    for (const [thing, status] of [
      [things[0], "FAILED"],
      [things[1], "SUCCEEDED"],
      [things[2], "FAILED"],
      [things[3], "SUCCEEDED"],
    ] as Array<[string, string]>) {
      const client = await connectDevice(runtime.urls.mqtt, thing, tokens.get(thing) as string);
      const device = { client, messages: new Map<string, unknown[]>() };
      client.on("message", (topic, payload) =>
        device.messages.set(topic, [...(device.messages.get(topic) ?? []), JSON.parse(payload.toString())]),
      );
      expect((await ask(device, `$aws/things/${thing}/jobs/roll-1/update`, { status })).outcome).toBe(
        "accepted",
      );
      await client.endAsync();
    }
    const job = await waitFor(async () => {
      const described = (await iot.send(new DescribeJobCommand({ jobId: "roll-1" }))).job;
      return described?.status === "CANCELED" ? described : undefined;
    }, "the abort");
    expect(job.reasonCode).toBe("ABORT_CRITERIA_MET");
    expect(job.comment).toBe(
      "aborted by abortConfig: 2 of 4 ended executions are FAILED (50.0% ≥ 50% after at least 4)",
    );
    expect(job.jobProcessDetails).toMatchObject({
      numberOfFailedThings: 2,
      numberOfSucceededThings: 2,
      numberOfCanceledThings: 7,
    });
    // Nothing more is rolled out: a job created after the abort gets its execution on a later step.
    clock.advance(10_000);
    const count = (await executions()).length;
    await iot.send(
      new CreateJobCommand({
        jobId: "roll-after",
        targets: [`arn:aws:iot:us-east-1:000000000000:thing/${things[29]}`],
        document: "{}",
        jobExecutionsRolloutConfig: { maximumPerMinute: 1 },
      }),
    );
    await waitFor(
      async () =>
        (
          (await iot.send(new ListJobExecutionsForJobCommand({ jobId: "roll-after" }))).executionSummaries ??
          []
        ).length === 1,
      "a later rollout step",
    );
    expect((await executions()).length).toBe(count);
  });
});
