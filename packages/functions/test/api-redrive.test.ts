import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import type { QuarantineEntry } from "@fleetline/core/telemetry";
import type { Context, KinesisStreamEvent } from "aws-lambda";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { apiGatewayEvent } from "../../api/test/api-gateway-event.js";
import { freestylePayload } from "../../core/test/factories.js";
import { DynamoDbQuarantine } from "../src/adapters/dynamodb-quarantine.js";
import { fakeKinesis } from "./fake-kinesis.js";
import { fakeLambda } from "./fake-lambda.js";
import { API_ENVIRONMENT, API_TOKEN, mockedAwsApi } from "./mocked-aws-api.js";

// `POST /api/redrive/*` on a stage: the stage's HTTP API routes it to the redrive function's entry
// point, with SQS, Kinesis, Lambda and DynamoDB mocked by fakes that keep each service's rules.
const SETTINGS = API_ENVIRONMENT;
const ARN = "arn:aws:kinesis:eu-west-1:123456789012:stream";
const FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function";
const THING = "test_fs-redrive-1";
let aws: Awaited<ReturnType<typeof mockedAwsApi>>;
let kinesis: ReturnType<typeof fakeKinesis>;
let lambda: ReturnType<typeof fakeLambda>;
let storeCalls: number;

beforeAll(async () => {
  aws = await mockedAwsApi();
});
afterAll(() => aws?.close());
beforeEach(() => {
  aws.reset();
  storeCalls = 0;
  kinesis = fakeKinesis([SETTINGS.RAW_STREAM, "test-fleetline-validated"]);
  // The stage's validate function as deployed (over the same mocked services); its store fails.
  const validate = aws.validateFunction();
  lambda = fakeLambda({
    "test-fleetline-Ingest-Validate": (event) => validate(event as KinesisStreamEvent, {} as Context),
    "test-fleetline-Ingest-Store": async () => {
      storeCalls += 1;
      throw new Error("store bug");
    },
  });
});
afterEach(() => {
  kinesis.restore();
  lambda.mock.restore();
});

async function redrive(source: string, body: unknown = {}) {
  const response = await aws.stageHandler(
    apiGatewayEvent("POST", `/api/redrive/${source}`, {
      headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  );
  return { status: response.statusCode, body: JSON.parse(response.body ?? "null") };
}

/** A dispenser's report as it sends it, stamped now. */
const report = (seq: number) => JSON.stringify(freestylePayload({ seq, ts: Date.now() }));
const envelope = (seq: number, payload = report(seq)) => ({
  PartitionKey: THING,
  Data: new TextEncoder().encode(
    JSON.stringify({
      payload: Buffer.from(payload).toString("base64"),
      topic: `dt/fleetline/freestyle/${THING}/telemetry`,
      type: "freestyle",
      thing: THING,
      clientId: THING,
      receivedAt: Date.now(),
      messageId: `raw-${seq}`,
    }),
  ),
});

async function putRaw(records: ReturnType<typeof envelope>[]): Promise<string[]> {
  const { Records = [] } = await new KinesisClient({ region: "eu-west-1" }).send(
    new PutRecordsCommand({ StreamName: SETTINGS.RAW_STREAM, Records: records }),
  );
  return Records.map((r) => r.SequenceNumber as string);
}

/** What Lambda's event source mapping sends the queue when it gives up on a batch. */
const onFailure = (functionName: string, sequenceNumbers: string[]) =>
  JSON.stringify({
    requestContext: {
      requestId: "b2d6…",
      functionArn: `${FUNCTION_ARN}:${functionName}`,
      condition: "RetryAttemptsExhausted",
      approximateInvokeCount: 3,
    },
    responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
    version: "1.0",
    timestamp: new Date().toISOString(),
    KinesisBatchInfo: {
      shardId: "shardId-000000000000",
      startSequenceNumber: sequenceNumbers[0],
      endSequenceNumber: sequenceNumbers.at(-1),
      approximateArrivalOfFirstRecord: new Date().toISOString(),
      approximateArrivalOfLastRecord: new Date().toISOString(),
      batchSize: sequenceNumbers.length,
      streamArn: `${ARN}/${SETTINGS.RAW_STREAM}`,
    },
  });

describe("redrive on a stage", () => {
  it("re-reads each dead-lettered batch from Kinesis and invokes its Lambda function, keeping what cannot go through", async () => {
    const expired = await putRaw([envelope(1), envelope(2)]);
    const batch = await putRaw([envelope(3), envelope(4, "{not json"), envelope(5)]);
    kinesis.trim(SETTINGS.RAW_STREAM, 1);
    const queue = aws.sqs.messages;
    queue.push(
      { id: "dl-expired", body: onFailure("test-fleetline-Ingest-Validate", expired), sentAt: 1 },
      { id: "dl-batch", body: onFailure("test-fleetline-Ingest-Validate", batch), sentAt: 2 },
      { id: "dl-store", body: onFailure("test-fleetline-Ingest-Store", batch), sentAt: 3 },
      { id: "dl-elsewhere", body: onFailure("prod-fleetline-Ingest-Validate", batch), sentAt: 4 },
    );

    const round = await redrive("dead-letter", { limit: 10 });
    expect(round.status).toBe(200);
    expect(round.body).toMatchObject({ examined: 4, redriven: 1, remaining: 3 });
    expect(
      Object.fromEntries(round.body.kept.map((k: { id: string; why: string }) => [k.id, k.why])),
    ).toEqual({
      "dl-expired": expect.stringMatching(
        /^records \d+…\d+ of shardId-000000000000 are past the stream's retention$/,
      ),
      "dl-store": "test-fleetline-Ingest-Store failed: Error: store bug",
      "dl-elsewhere": `no function for ${FUNCTION_ARN}:prod-fleetline-Ingest-Validate`,
    });
    // The batch went to its function whole, as the event source builds the event, and through it.
    const invoked = lambda.invocations.filter((i) => i.functionName === "test-fleetline-Ingest-Validate");
    expect(invoked).toHaveLength(1);
    const { Records: records } = (invoked[0] as { event: KinesisStreamEvent }).event;
    expect(records.map((r) => r.kinesis.sequenceNumber)).toEqual(batch);
    expect(records[0]).toMatchObject({
      eventSourceARN: `${ARN}/${SETTINGS.RAW_STREAM}`,
      awsRegion: "eu-west-1",
    });
    expect(kinesis.records("test-fleetline-validated")).toHaveLength(2);
    expect(await new DynamoDbQuarantine(aws.dynamo.documents, SETTINGS.QUARANTINE_TABLE).count()).toBe(1);
    expect(storeCalls).toBe(1);
    expect(queue.map((m) => m.id).sort()).toEqual(["dl-elsewhere", "dl-expired", "dl-store"]);

    // The next round skips what was kept: nothing more to do.
    const again = await redrive("dead-letter", { limit: 10, run: round.body.run });
    expect(again.body).toEqual({ examined: 0, redriven: 0, kept: [], remaining: 3, run: round.body.run });
  });

  it("re-submits quarantined messages the contract now accepts through the raw stream, keeping the rest", async () => {
    const quarantine = new DynamoDbQuarantine(aws.dynamo.documents, SETTINGS.QUARANTINE_TABLE);
    const entry = (messageId: string, thing: string, payload: string, reason: QuarantineEntry["reason"]) => ({
      messageId,
      receivedAt: Date.now() - 1000,
      topic: `dt/fleetline/freestyle/${thing}/telemetry`,
      clientId: thing,
      reason,
      detail: "judged under an older contract",
      payloadBase64: Buffer.from(payload).toString("base64"),
    });
    await quarantine.put([
      entry("q-now-valid", THING, report(7), "UNKNOWN_FIELD"),
      entry("q-malformed", THING, "{oops", "MALFORMED_JSON"),
      entry("q-other-thing", "test_fs-redrive-2", report(8), "UNKNOWN_FIELD"),
    ]);

    const round = await redrive("quarantine", { thing: THING });
    expect(round.body).toEqual({
      examined: 2,
      redriven: 1,
      kept: [{ id: "q-malformed", why: expect.stringMatching(/^MALFORMED_JSON: /) }],
      remaining: 1,
      run: expect.any(String),
    });
    const [raw] = kinesis.records(SETTINGS.RAW_STREAM);
    expect(raw?.PartitionKey).toBe(THING);
    expect(JSON.parse(new TextDecoder().decode(raw?.Data))).toMatchObject({
      messageId: "q-now-valid",
      thing: THING,
      topic: `dt/fleetline/freestyle/${THING}/telemetry`,
    });
    expect((await quarantine.select({}, 10)).map((e) => e.messageId).sort()).toEqual([
      "q-malformed",
      "q-other-thing",
    ]);
    expect(await redrive("quarantine", { thing: THING, run: round.body.run })).toMatchObject({
      body: { examined: 0, redriven: 0, remaining: 1 },
    });
  });

  it("puts a telemetry rule's failed messages on the raw stream, hands shadow documents to confirm, and keeps another stage's", async () => {
    lambda.mock.restore();
    lambda = fakeLambda({ "test-fleetline-Alerts-ConfirmFunction": async () => null });
    const ruleErrors = aws.sqs.queue(SETTINGS.RULE_ERRORS_QUEUE_URL);
    const ruleError = (topic: string, payload: string) =>
      JSON.stringify({
        ruleName: "test_fleetline_telemetry",
        topic,
        cloudwatchTraceId: "7f3c…",
        clientId: THING,
        base64OriginalPayload: Buffer.from(payload).toString("base64"),
        failures: [
          { failedAction: "KinesisAction", failedResource: "test-fleetline-raw", errorMessage: "throttled" },
        ],
      });
    const failed = report(9);
    const shadow = { current: { state: { reported: { mode: "maintenance" } } } };
    ruleErrors.push(
      {
        id: "re-telemetry",
        body: ruleError(`dt/fleetline/freestyle/${THING}/telemetry`, failed),
        sentAt: 1_764_297_000_000,
      },
      {
        id: "re-shadow",
        body: ruleError(`$aws/things/${THING}/shadow/update/documents`, JSON.stringify(shadow)),
        sentAt: 2,
      },
      {
        id: "re-other-stage",
        body: ruleError("dt/fleetline/freestyle/prod_fs-1/telemetry", report(1)),
        sentAt: 3,
      },
    );

    const round = await redrive("rule-errors");
    expect(round.body).toMatchObject({ examined: 3, redriven: 2, remaining: 1 });
    expect(round.body.kept).toEqual([
      {
        id: "re-other-stage",
        why: expect.stringContaining("is not read by a rule of this pipeline's things"),
      },
    ]);
    const [record] = kinesis.records(SETTINGS.RAW_STREAM);
    expect(record?.PartitionKey).toBe(THING);
    expect(JSON.parse(new TextDecoder().decode(record?.Data))).toEqual({
      payload: Buffer.from(failed).toString("base64"),
      topic: `dt/fleetline/freestyle/${THING}/telemetry`,
      type: "freestyle",
      thing: THING,
      clientId: THING,
      receivedAt: 1_764_297_000_000,
      messageId: "re-telemetry",
    });
    expect(lambda.invocations).toEqual([
      {
        functionName: "test-fleetline-Alerts-ConfirmFunction",
        event: { thing: THING, reported: { mode: "maintenance" } },
      },
    ]);
    // Nothing goes through AWS IoT: a Data Plane publish has no client id, and validate would refuse it.
    expect(aws.dataPlane.published).toEqual([]);
    expect(ruleErrors.map((m) => m.id)).toEqual(["re-other-stage"]);
    // The dead-letter queue is a queue of its own.
    expect(aws.sqs.messages).toEqual([]);
  });

  it("refuses a round from a viewer, a limit out of range, and a redrive sent to the query API's function", async () => {
    const viewer = await aws.stageHandler(
      apiGatewayEvent("POST", "/api/redrive/dead-letter", {
        headers: { authorization: `Bearer ${SETTINGS.SST_Secret_value_API_VIEWER_TOKEN}` },
        body: "{}",
      }),
    );
    expect(viewer.statusCode).toBe(403);
    expect((await redrive("dead-letter", { limit: 0 })).status).toBe(400);
    // The query API's own function serves no redrive: it has none of the rights.
    const direct = await aws.handler(
      apiGatewayEvent("POST", "/api/redrive/dead-letter", {
        headers: { authorization: `Bearer ${API_TOKEN}` },
        body: "{}",
      }),
    );
    expect(direct.statusCode).toBe(404);
  });
});
