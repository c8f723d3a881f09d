import {
  MemoryDeadLetterQueue,
  MemoryFunctionInvoker,
  MemoryQuarantine,
  MemoryStreamProducer,
  MemoryStreamReader,
} from "@fleetline/testing";
import { describe, expect, it } from "vitest";
import { manualClock } from "../../src/common/index.js";
import { STREAMS } from "../../src/pipeline/index.js";
import { decodeRun, Redrive } from "../../src/redrive/index.js";
import { type QuarantineEntry, validate } from "../../src/telemetry/index.js";
import { freestylePayload } from "../factories.js";

const STREAM = "arn:aws:kinesis:eu-west-1:123456789012:stream/test-fleetline-raw";
const SHARD = "shardId-000000000000";
const FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function";
const base64 = (text: string) => Buffer.from(text).toString("base64");
const report = (seq: number) => JSON.stringify(freestylePayload({ seq }));

function setup(behaviour: Record<string, (event: unknown) => Promise<unknown>> = {}) {
  const clock = manualClock(1_764_297_100_000);
  const ports = {
    deadLetters: MemoryDeadLetterQueue.create(),
    ruleErrors: MemoryDeadLetterQueue.create(),
    quarantine: MemoryQuarantine.create(),
    streams: MemoryStreamReader.create(),
    producer: MemoryStreamProducer.create(),
    rawStream: STREAMS.raw,
    functions: MemoryFunctionInvoker.create({
      validate: async () => ({ batchItemFailures: [] }),
      confirm: async () => undefined,
      ...behaviour,
    }),
    confirmFunction: "confirm",
    thingPrefix: "",
    validate,
    clock,
  };
  ports.streams.append(
    STREAM,
    SHARD,
    [10, 20, 30].map((n) => ({
      sequenceNumber: String(n),
      partitionKey: "fs-1",
      dataBase64: base64(`{"n":${n}}`),
      approximateArrivalTimestamp: 1_764_297_000_000 + n,
    })),
  );
  return { ...ports, redrive: new Redrive(ports), clock };
}

const batchLetter = (start: string, end: string, fn = "validate") => ({
  requestContext: { functionArn: `${FUNCTION_ARN}:${fn}`, condition: "RetryAttemptsExhausted" },
  KinesisBatchInfo: { shardId: SHARD, startSequenceNumber: start, endSequenceNumber: end, streamArn: STREAM },
});

const quarantined = (
  messageId: string,
  payload: string,
  receivedAt = 1_764_297_000_000,
): QuarantineEntry => ({
  messageId,
  receivedAt,
  topic: "dt/fleetline/freestyle/fs-1/telemetry",
  clientId: "fs-1",
  reason: "UNKNOWN_FIELD",
  detail: "an older contract",
  payloadBase64: base64(payload),
});

describe("Redrive: dead letters", () => {
  it("invokes the function with the batch re-read from its shard, and removes the letter once it went through", async () => {
    const fixture = setup();
    await fixture.deadLetters.send(batchLetter("20", "30"));
    expect(await fixture.redrive.deadLetters(10)).toEqual({
      examined: 1,
      redriven: 1,
      kept: [],
      remaining: 0,
      run: expect.any(String),
    });
    expect(fixture.functions.invocations.map((i) => i.functionName)).toEqual(["validate"]);
    const { event } = fixture.functions.invocations[0] as { event: { Records: unknown[] } };
    expect(event.Records).toEqual([
      expect.objectContaining({ eventID: `${SHARD}:20`, awsRegion: "eu-west-1", eventSourceARN: STREAM }),
      expect.objectContaining({ eventID: `${SHARD}:30` }),
    ]);
  });

  it("runs a poison record from its own bytes and an async event with its payload", async () => {
    const fixture = setup();
    await fixture.deadLetters.send({
      condition: "PoisonRecord",
      functionName: "validate",
      eventSourceARN: STREAM,
      sequenceNumber: "99",
      partitionKey: "fs-1",
      dataBase64: base64("{}"),
    });
    await fixture.deadLetters.send({
      requestContext: { functionArn: `${FUNCTION_ARN}:confirm`, condition: "RetriesExhausted" },
      requestPayload: { thing: "fs-1", reported: { command: "dock" } },
    });
    expect(await fixture.redrive.deadLetters(10)).toMatchObject({ redriven: 2, remaining: 0 });
    expect(fixture.functions.invocations.map((i) => i.functionName)).toEqual(["validate", "confirm"]);
    expect(fixture.functions.invocations[1]?.event).toEqual({ thing: "fs-1", reported: { command: "dock" } });
  });

  it("keeps, each with why, a batch past retention, one its function fails or half-fails again, and one for a function it does not know", async () => {
    let calls = 0;
    const fixture = setup({
      validate: async () => {
        calls += 1;
        if (calls === 1) throw new Error("still broken");
        return { batchItemFailures: [{ itemIdentifier: "30" }] };
      },
    });
    fixture.streams.trim(STREAM, SHARD, 1);
    for (const letter of [
      batchLetter("10", "20"),
      batchLetter("20", "30"),
      batchLetter("20", "30"),
      batchLetter("20", "30", "other-stage-validate"),
      { something: "else" },
    ])
      await fixture.deadLetters.send(letter);
    const round = await fixture.redrive.deadLetters(10);
    expect(round.kept.map((k) => k.why)).toEqual([
      "records 10…20 of shardId-000000000000 are past the stream's retention",
      "still broken",
      "the function reported 1 failed record(s) again",
      `no function for ${FUNCTION_ARN}:other-stage-validate`,
      "not an on-failure record of this pipeline",
    ]);
    expect(round).toMatchObject({ examined: 5, redriven: 0, remaining: 5 });
  });

  it("keeps a letter whose invocation could not be made, and takes it on the next run", async () => {
    const fixture = setup();
    await fixture.deadLetters.send(batchLetter("20", "30"));
    fixture.functions.failures.throttleNext(1, "invoke");
    const first = await fixture.redrive.deadLetters(10);
    expect(first.kept).toEqual([{ id: expect.any(String), why: "injected fault: rate exceeded" }]);
    expect(await fixture.redrive.deadLetters(10)).toMatchObject({ redriven: 1, remaining: 0 });
  });

  it("keeps a letter whose delete failed, saying so, and goes on: the next run redrives it again rather than lose it", async () => {
    const fixture = setup();
    await fixture.deadLetters.send(batchLetter("20", "30"));
    await fixture.deadLetters.send(batchLetter("20", "30"));
    fixture.deadLetters.failures.failNext(1, { method: "delete" });
    expect(await fixture.redrive.deadLetters(10)).toEqual({
      examined: 2,
      redriven: 1,
      kept: [
        {
          id: expect.any(String),
          why: "went through, but stays queued (injected fault (STORE_UNAVAILABLE)): a later redrive takes it again",
        },
      ],
      remaining: 1,
      run: expect.any(String),
    });
    expect(await fixture.redrive.deadLetters(10)).toMatchObject({ redriven: 1, remaining: 0 });
    expect(fixture.functions.invocations).toHaveLength(3);
  });

  it("starts no item once the round's time is spent: the rest wait for the next round", async () => {
    const fixture = setup();
    const slow = new Redrive({
      ...fixture,
      functions: MemoryFunctionInvoker.create({
        validate: async () => {
          fixture.clock.advance(10_000);
          return {};
        },
      }),
      roundBudgetMs: 15_000,
    });
    for (let i = 0; i < 3; i++) await fixture.deadLetters.send(batchLetter("20", "30"));
    expect(await slow.deadLetters(10)).toMatchObject({ examined: 2, redriven: 2, remaining: 1 });
    expect(await slow.deadLetters(10)).toMatchObject({ examined: 1, redriven: 1, remaining: 0 });
  });
});

describe("Redrive: quarantine", () => {
  it("puts the messages the contract now accepts on the raw stream as the same messages, and keeps the rest with their reason", async () => {
    const fixture = setup();
    await fixture.quarantine.put([quarantined("q-valid", report(1)), quarantined("q-bad", "{oops")]);
    const round = await fixture.redrive.quarantined({}, 10);
    expect(round).toEqual({
      examined: 2,
      redriven: 1,
      kept: [{ id: "q-bad", why: expect.stringMatching(/^MALFORMED_JSON: /) }],
      remaining: 1,
      run: expect.any(String),
    });
    const [put] = fixture.producer.streams.get(STREAMS.raw) ?? [];
    expect(put?.partitionKey).toBe("fs-1");
    expect(JSON.parse(new TextDecoder().decode(put?.data))).toMatchObject({
      messageId: "q-valid",
      receivedAt: 1_764_297_000_000,
      payload: base64(report(1)),
    });
  });

  it("keeps an entry the stream refused, and removes nothing when the put fails", async () => {
    const fixture = setup();
    await fixture.quarantine.put([quarantined("q-valid", report(1))]);
    fixture.producer.failures.failNext(1, { method: "put" });
    await expect(fixture.redrive.quarantined({}, 10)).rejects.toMatchObject({ code: "STREAM_WRITE_FAILED" });
    expect(await fixture.quarantine.count()).toBe(1);
    expect(await fixture.redrive.quarantined({}, 10)).toMatchObject({ redriven: 1, remaining: 0 });
  });
  it("counts what waits once per run, not at every round, and tells what is still waiting from it", async () => {
    const fixture = setup();
    await fixture.quarantine.put([
      quarantined("q-1", report(1), 1_764_297_000_001),
      quarantined("q-bad", "{oops", 1_764_297_000_002),
      quarantined("q-3", report(3), 1_764_297_000_003),
    ]);
    let counts = 0;
    const count = fixture.quarantine.count.bind(fixture.quarantine);
    fixture.quarantine.count = (filter) => {
      counts += 1;
      return count(filter);
    };
    const rounds = [];
    let round = await fixture.redrive.quarantined({}, 1);
    while (round.examined > 0) {
      rounds.push([round.redriven, round.remaining]);
      round = await fixture.redrive.quarantined({}, 1, decodeRun(round.run));
    }
    expect(rounds).toEqual([
      [1, 2],
      [0, 2],
      [1, 1],
    ]);
    expect(round.remaining).toBe(1);
    expect(counts).toBe(1);
  });
});

describe("Redrive: rule errors", () => {
  const topic = "dt/fleetline/freestyle/fs-1/telemetry";

  it("puts a failed telemetry message on the raw stream as the rule would have: its publisher, when it failed, a stable id", async () => {
    const fixture = setup();
    const id = await fixture.ruleErrors.send(
      {
        ruleName: "test_fleetline_telemetry",
        topic,
        clientId: "fs-1",
        base64OriginalPayload: base64(report(2)),
      },
      1_764_297_050_000,
    );
    expect(await fixture.redrive.ruleErrors(10)).toEqual({
      examined: 1,
      redriven: 1,
      kept: [],
      remaining: 0,
      run: expect.any(String),
    });
    const [put] = fixture.producer.streams.get(STREAMS.raw) ?? [];
    expect(put?.partitionKey).toBe("fs-1");
    const envelope = JSON.parse(new TextDecoder().decode(put?.data));
    expect(envelope).toEqual({
      payload: base64(report(2)),
      topic,
      type: "freestyle",
      thing: "fs-1",
      clientId: "fs-1",
      receivedAt: 1_764_297_050_000,
      messageId: id,
    });
    // What validate then makes of it: the device's own message, not THING_MISMATCH.
    expect(validate(envelope)).toMatchObject({ ok: true });
  });

  it("hands a failed shadow document to the confirm function, as the command-confirmation rule does", async () => {
    const fixture = setup();
    const document = { current: { state: { reported: { mode: "maintenance" } } } };
    await fixture.ruleErrors.send({
      ruleName: "command_confirmation",
      topic: "$aws/things/fs-1/shadow/update/documents",
      clientId: "n/a",
      base64OriginalPayload: base64(JSON.stringify(document)),
    });
    expect(await fixture.redrive.ruleErrors(10)).toMatchObject({ redriven: 1, remaining: 0 });
    expect(fixture.functions.invocations).toEqual([
      expect.objectContaining({
        functionName: "confirm",
        event: { thing: "fs-1", reported: { mode: "maintenance" } },
      }),
    ]);
  });

  it("keeps what is no rule error of this pipeline's things, and what the stream refused, each with why", async () => {
    const fixture = setup();
    const stage = new Redrive({ ...fixture, thingPrefix: "test_" });
    await fixture.ruleErrors.send({ topic: "t", base64OriginalPayload: "not base64!" });
    await fixture.ruleErrors.send({ hello: "world" });
    await fixture.ruleErrors.send({ topic: "a/b", base64OriginalPayload: base64("{}") });
    await fixture.ruleErrors.send({ topic, clientId: "fs-1", base64OriginalPayload: base64(report(3)) });
    const round = await stage.ruleErrors(10);
    expect(round.kept.map((k) => k.why)).toEqual([
      "its base64OriginalPayload is not base64",
      "not an IoT rule error-action message",
      "a/b is not read by a rule of this pipeline's things",
      `${topic} is not read by a rule of this pipeline's things`,
    ]);
    expect(fixture.producer.streams.get(STREAMS.raw) ?? []).toEqual([]);
    fixture.producer.failures.failNext(1, { method: "put" });
    await fixture.ruleErrors.send({ topic, clientId: "fs-1", base64OriginalPayload: base64(report(4)) });
    // The run goes on past what it kept.
    const next = await fixture.redrive.ruleErrors(10, decodeRun(round.run));
    expect(next).toMatchObject({ examined: 1, redriven: 0, remaining: 5 });
    expect(next.kept).toEqual([
      { id: expect.any(String), why: expect.stringContaining("STREAM_WRITE_FAILED") },
    ]);
  });
});
