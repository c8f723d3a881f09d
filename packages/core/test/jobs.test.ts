import { describe, expect, it } from "vitest";
import {
  abortCriterionMet,
  applyUpdate,
  checkCreateJob,
  executionCounts,
  executionData,
  isComplete,
  type JobExecutionRecord,
  type JobRecord,
  nextExecution,
  parseJobsPayload,
  parseJobsTopic,
  parseUpdate,
  raiseRate,
  retries,
} from "../src/aws/index.js";
import { mayPublish, maySubscribe } from "../src/devices/index.js";

const T0 = 1_796_000_000_000;
const arnOf = (id: string) => `arn:aws:iot:us-east-1:000000000000:job/${id}`;
const thingArn = (name: string) => `arn:aws:iot:us-east-1:000000000000:thing/${name}`;

function execution(overrides: Partial<JobExecutionRecord> = {}): JobExecutionRecord {
  return {
    jobId: "fw-2",
    thingName: "rb-1",
    executionNumber: 1,
    status: "QUEUED",
    statusDetails: {},
    queuedAt: T0,
    lastUpdatedAt: T0,
    versionNumber: 1,
    retryAttempt: 0,
    ...overrides,
  };
}

function job(body: Record<string, unknown> = {}): JobRecord {
  const checked = checkCreateJob(
    "fw-2",
    { targets: [thingArn("rb-1"), thingArn("rb-2")], document: '{"firmware":"2.0.0"}', ...body },
    T0,
    arnOf,
  );
  if (!checked.ok) throw new Error(checked.error.message);
  return checked.value;
}

describe("the Jobs MQTT topics", () => {
  it.each([
    ["$aws/things/rb-1/jobs/get", { thing: "rb-1", operation: { kind: "get" } }],
    ["$aws/things/rb-1/jobs/start-next", { thing: "rb-1", operation: { kind: "start-next" } }],
    ["$aws/things/rb-1/jobs/fw-2/get", { thing: "rb-1", operation: { kind: "describe", jobId: "fw-2" } }],
    ["$aws/things/rb-1/jobs/$next/get", { thing: "rb-1", operation: { kind: "describe", jobId: "$next" } }],
    ["$aws/things/rb-1/jobs/fw-2/update", { thing: "rb-1", operation: { kind: "update", jobId: "fw-2" } }],
    ["$aws/things/rb-1/jobs/fw-2/delete", { thing: "rb-1", operation: undefined }],
    ["$aws/things/rb-1/jobs/get/accepted", undefined],
    ["$aws/things/rb-1/jobs/notify-next", undefined],
    ["$aws/things/rb-1/shadow/get", undefined],
  ])("%s", (topic, parsed) => {
    expect(parseJobsTopic(topic)).toEqual(parsed);
  });

  it("grants a device its own jobs topics and none of another thing's", () => {
    const robot = { thing: "rb-1", type: "robot" as const };
    for (const topic of [
      "$aws/things/rb-1/jobs/get",
      "$aws/things/rb-1/jobs/start-next",
      "$aws/things/rb-1/jobs/fw-2/get",
      "$aws/things/rb-1/jobs/fw-2/update",
    ]) {
      expect(mayPublish(robot, topic), topic).toBe(true);
      expect(mayPublish(robot, topic.replace("rb-1", "rb-2")), topic).toBe(false);
    }
    for (const filter of [
      "$aws/things/rb-1/jobs/notify-next",
      "$aws/things/rb-1/jobs/notify",
      "$aws/things/rb-1/jobs/start-next/accepted",
      "$aws/things/rb-1/jobs/fw-2/update/rejected",
      "$aws/things/rb-1/jobs/+/get/accepted",
    ]) {
      expect(maySubscribe(robot, filter), filter).toBe(true);
      expect(maySubscribe(robot, filter.replace("rb-1", "rb-2")), filter).toBe(false);
    }
    // A filter over the requests themselves would let it read its own requests back: not granted.
    expect(maySubscribe(robot, "$aws/things/rb-1/jobs/#")).toBe(false);
  });
});

describe("a device's requests", () => {
  it("refuses what is not a JSON object as InvalidJson, and takes an empty payload as {}", () => {
    expect(parseJobsPayload("{nope")).toMatchObject({ ok: false, rejection: { code: "InvalidJson" } });
    expect(parseJobsPayload("[1]")).toMatchObject({ ok: false, rejection: { code: "InvalidJson" } });
    expect(parseJobsPayload("")).toEqual({ ok: true, value: {} });
  });

  it.each([
    [{}, "status must be one of IN_PROGRESS, SUCCEEDED, FAILED, REJECTED"],
    [{ status: "DONE" }, "status must be one of IN_PROGRESS, SUCCEEDED, FAILED, REJECTED"],
    [
      { status: "IN_PROGRESS", statusDetails: { step: 3 } },
      "statusDetails.step must be a string of 1 to 1024 characters",
    ],
    [{ status: "IN_PROGRESS", expectedVersion: "2" }, "expectedVersion must be a whole number"],
    [
      { status: "IN_PROGRESS", stepTimeoutInMinutes: 0 },
      "stepTimeoutInMinutes must be a whole number from 1 to 10080",
    ],
    [
      { status: "IN_PROGRESS", clientToken: "x".repeat(65) },
      "clientToken must be a string of 1 to 64 characters",
    ],
  ])("refuses the update %j as InvalidRequest", (request, message) => {
    const parsed = parseUpdate(request);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.rejection.code).toBe("InvalidRequest");
      expect(parsed.rejection.message).toContain(message);
    }
  });

  it("moves QUEUED → IN_PROGRESS → SUCCEEDED, a version each, keeping details unless given", () => {
    const started = applyUpdate(
      execution(),
      { status: "IN_PROGRESS", statusDetails: { step: "download" }, stepTimeoutInMinutes: 5 },
      T0 + 1_000,
      60,
    );
    expect(started).toMatchObject({
      ok: true,
      value: {
        status: "IN_PROGRESS",
        statusDetails: { step: "download" },
        versionNumber: 2,
        startedAt: T0 + 1_000,
        stepTimeoutAt: T0 + 1_000 + 300_000,
        inProgressTimeoutAt: T0 + 1_000 + 3_600_000,
      },
    });
    if (!started.ok) return;
    const done = applyUpdate(started.value, { status: "SUCCEEDED", expectedVersion: 2 }, T0 + 2_000, 60);
    expect(done).toMatchObject({
      ok: true,
      value: { status: "SUCCEEDED", versionNumber: 3, statusDetails: { step: "download" } },
    });
    if (done.ok) {
      expect(done.value.stepTimeoutAt).toBeUndefined();
      expect(done.value.inProgressTimeoutAt).toBeUndefined();
    }
  });

  it("clears the step timer with stepTimeoutInMinutes -1, keeping the job's own timeout", () => {
    const parsed = parseUpdate({ status: "IN_PROGRESS", stepTimeoutInMinutes: -1 });
    expect(parsed).toMatchObject({ ok: true, value: { stepTimeoutInMinutes: -1 } });
    const running = execution({
      status: "IN_PROGRESS",
      startedAt: T0,
      stepTimeoutAt: T0 + 60_000,
      inProgressTimeoutAt: T0 + 3_600_000,
    });
    const cleared = applyUpdate(running, { status: "IN_PROGRESS", stepTimeoutInMinutes: -1 }, T0 + 1_000, 60);
    expect(cleared.ok).toBe(true);
    if (cleared.ok) {
      expect(cleared.value.stepTimeoutAt).toBeUndefined();
      expect(cleared.value.inProgressTimeoutAt).toBe(T0 + 3_600_000);
    }
  });

  it("refuses a stale expectedVersion as VersionMismatch and any move out of a terminal state, with the state", () => {
    expect(
      applyUpdate(
        execution({ versionNumber: 3 }),
        { status: "IN_PROGRESS", expectedVersion: 2 },
        T0,
        undefined,
      ),
    ).toEqual({
      ok: false,
      rejection: {
        code: "VersionMismatch",
        message: "expectedVersion 2 is not the execution's version 3",
        executionState: { status: "QUEUED", statusDetails: {}, versionNumber: 3 },
      },
    });
    for (const [from, to] of [
      ["SUCCEEDED", "IN_PROGRESS"],
      ["CANCELED", "SUCCEEDED"],
      ["QUEUED", "TIMED_OUT"],
      ["IN_PROGRESS", "QUEUED"],
      ["TIMED_OUT", "FAILED"],
    ] as const)
      expect(applyUpdate(execution({ status: from }), { status: to }, T0, undefined)).toMatchObject({
        ok: false,
        rejection: {
          code: "InvalidStateTransition",
          message: `a job execution cannot go from ${from} to ${to}`,
        },
      });
  });

  it("takes the oldest in-progress execution next, else the oldest queued", () => {
    const a = execution({ jobId: "a", queuedAt: T0 + 2 });
    const b = execution({ jobId: "b", queuedAt: T0 + 1 });
    const c = execution({ jobId: "c", queuedAt: T0 + 3, status: "IN_PROGRESS" });
    expect(nextExecution([a, b])?.jobId).toBe("b");
    expect(nextExecution([a, b, c])?.jobId).toBe("c");
    expect(nextExecution([execution({ status: "SUCCEEDED" })])).toBeUndefined();
  });

  it("shows an execution with its document as an object and times in seconds", () => {
    expect(
      executionData(execution({ stepTimeoutAt: T0 + 90_000 }), '{"firmware":"2.0.0"}', T0 + 30_000),
    ).toEqual({
      jobId: "fw-2",
      thingName: "rb-1",
      jobDocument: { firmware: "2.0.0" },
      status: "QUEUED",
      statusDetails: {},
      queuedAt: T0 / 1000,
      lastUpdatedAt: T0 / 1000,
      versionNumber: 1,
      executionNumber: 1,
      approximateSecondsBeforeTimedOut: 60,
    });
  });
});

describe("creating a job", () => {
  it.each([
    ["bad id!", {}, "jobId must be 1 to 64 of [a-zA-Z0-9_-]"],
    ["fw", { targets: [] }, "targets must list at least one thing ARN"],
    ["fw", { targets: ["rb-1"] }, "target rb-1 is not a thing or thing group ARN"],
    ["fw", { document: "{" }, "document is not valid JSON"],
    ["fw", { document: undefined }, "document is required"],
    [
      "fw",
      { document: JSON.stringify({ blob: "x".repeat(32_768) }) },
      "a job document is at most 32768 bytes (32 KB)",
    ],
    [
      "fw",
      { jobExecutionsRolloutConfig: { maximumPerMinute: 5000 } },
      "maximumPerMinute must be a whole number from 1 to 1000",
    ],
    [
      "fw",
      {
        abortConfig: {
          criteriaList: [
            { failureType: "FAILED", action: "STOP", thresholdPercentage: 5, minNumberOfExecutedThings: 10 },
          ],
        },
      },
      "each abort criterion needs",
    ],
    [
      "fw",
      { timeoutConfig: { inProgressTimeoutInMinutes: 0 } },
      "inProgressTimeoutInMinutes must be a whole number from 1 to 10080",
    ],
  ])("refuses %s %j as InvalidRequestException", (jobId, body, message) => {
    const checked = checkCreateJob(
      jobId,
      { targets: [thingArn("rb-1")], document: "{}", ...body },
      T0,
      arnOf,
    );
    expect(checked.ok).toBe(false);
    if (!checked.ok) {
      expect(checked.error.type).toBe("InvalidRequestException");
      expect(checked.error.message).toContain(message);
    }
  });

  it("targets the things of a thing group in the group's order, each thing once, and at most 100 targets", () => {
    const groupArn = "arn:aws:iot:us-east-1:000000000000:thinggroup/robots";
    const members = (group: string) => (group === "robots" ? ["rb-3", "rb-1", "rb-2"] : undefined);
    const checked = checkCreateJob(
      "fw",
      { targets: [thingArn("rb-1"), groupArn], document: "{}" },
      T0,
      arnOf,
      members,
    );
    expect(checked.ok && checked.value.things).toEqual(["rb-1", "rb-3", "rb-2"]);
    expect(checked.ok && checked.value.targets).toEqual([thingArn("rb-1"), groupArn]);
    const unknown = checkCreateJob("fw", { targets: [`${groupArn}-2`], document: "{}" }, T0, arnOf, members);
    expect(unknown).toEqual({
      ok: false,
      error: { type: "ResourceNotFoundException", message: "Thing group robots-2 cannot be found." },
    });
    const many = Array.from({ length: 101 }, (_, n) => thingArn(`rb-${n}`));
    const tooMany = checkCreateJob("fw", { targets: many, document: "{}" }, T0, arnOf, members);
    expect(tooMany.ok === false && tooMany.error.type).toBe("LimitExceededException");
    expect(checkCreateJob("fw", { targets: many.slice(1), document: "{}" }, T0, arnOf, members).ok).toBe(
      true,
    );
  });

  it("starts an exponential rollout at its base rate and raises it by the factor as things are notified", () => {
    let rising = job({
      jobExecutionsRolloutConfig: {
        maximumPerMinute: 100,
        exponentialRate: {
          baseRatePerMinute: 10,
          incrementFactor: 2,
          rateIncreaseCriteria: { numberOfNotifiedThings: 20 },
        },
      },
    });
    expect(rising.ratePerMinute).toBe(10);
    rising = raiseRate(rising, 19, 0);
    expect(rising.ratePerMinute).toBe(10);
    rising = raiseRate(rising, 20, 0);
    expect(rising.ratePerMinute).toBe(20);
    rising = raiseRate(rising, 40, 0);
    expect(rising.ratePerMinute).toBe(40);
    rising = raiseRate(rising, 60, 0);
    rising = raiseRate(rising, 80, 0);
    expect(rising.ratePerMinute).toBe(100);
    expect(job({ jobExecutionsRolloutConfig: { maximumPerMinute: 300 } }).ratePerMinute).toBe(300);
    expect(job().ratePerMinute).toBe(Number.POSITIVE_INFINITY);
  });

  it("aborts once enough executions ended and the share of failures reaches the threshold", () => {
    const aborting = job({
      abortConfig: {
        criteriaList: [
          { failureType: "FAILED", action: "CANCEL", thresholdPercentage: 5, minNumberOfExecutedThings: 100 },
        ],
      },
    });
    const counts = (succeeded: number, failed: number) =>
      executionCounts([
        ...Array.from({ length: succeeded }, () => execution({ status: "SUCCEEDED" })),
        ...Array.from({ length: failed }, () => execution({ status: "FAILED" })),
        execution({ status: "IN_PROGRESS" }),
      ]);
    expect(abortCriterionMet(aborting, counts(50, 10))).toBeUndefined();
    expect(abortCriterionMet(aborting, counts(96, 4))).toBeUndefined();
    expect(abortCriterionMet(aborting, counts(95, 5))).toMatchObject({ failed: 5, ended: 100 });
  });

  it("retries a failed or timed-out execution as often as its criterion allows, never a rejected one", () => {
    const retrying = job({
      jobExecutionsRetryConfig: { criteriaList: [{ failureType: "FAILED", numberOfRetries: 2 }] },
    });
    expect(retries(retrying, execution({ status: "FAILED", retryAttempt: 0 }))).toBe(true);
    expect(retries(retrying, execution({ status: "FAILED", retryAttempt: 2 }))).toBe(false);
    expect(retries(retrying, execution({ status: "TIMED_OUT" }))).toBe(false);
    expect(retries(retrying, execution({ status: "REJECTED" }))).toBe(false);
  });

  it("is complete once every target has an execution and all of them ended", () => {
    const snapshot = { ...job(), rolledOut: 2 };
    expect(
      isComplete(snapshot, [
        execution({ status: "SUCCEEDED" }),
        execution({ status: "FAILED", thingName: "rb-2" }),
      ]),
    ).toBe(true);
    expect(isComplete(snapshot, [execution({ status: "SUCCEEDED" }), execution({ thingName: "rb-2" })])).toBe(
      false,
    );
    expect(isComplete({ ...snapshot, rolledOut: 1 }, [execution({ status: "SUCCEEDED" })])).toBe(false);
  });
});
