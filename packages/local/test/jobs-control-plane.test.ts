import {
  AddThingToThingGroupCommand,
  CancelJobCommand,
  CreateJobCommand,
  CreateThingGroupCommand,
  DeleteJobCommand,
  DescribeJobCommand,
  DescribeThingGroupCommand,
  ListJobExecutionsForJobCommand,
  ListJobExecutionsForThingCommand,
  ListJobsCommand,
  ListThingGroupsForThingCommand,
  ListThingsInThingGroupCommand,
  RemoveThingFromThingGroupCommand,
} from "@aws-sdk/client-iot";
import { describe, expect, it } from "vitest";
import { connectDevice, waitFor } from "./helpers.js";
import { arnOf, ask, clock, iot, runtime, useJobsRuntime } from "./jobs-fixture.js";

useJobsRuntime();

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
