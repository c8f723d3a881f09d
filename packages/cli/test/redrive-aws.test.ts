import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { freestylePayload } from "../../core/test/factories.js";
import { DynamoDbQuarantine } from "../../functions/src/adapters/dynamodb-quarantine.js";
import { fakeKinesis } from "../../functions/test/fake-kinesis.js";
import { fakeLambda } from "../../functions/test/fake-lambda.js";
import {
  API_ENVIRONMENT,
  API_TOKEN,
  mockedAwsApi,
  serveApiGateway,
} from "../../functions/test/mocked-aws-api.js";
import { runCaptured } from "./captured-io.js";

// `fleetline redrive --url <the stage's ApiUrl>`: the API Lambda behind an HTTP front door, the AWS
// services behind it mocked (SQS, Kinesis, Lambda, DynamoDB).
const SETTINGS = API_ENVIRONMENT;
const THING = "test_fs-redrive-cli";
let aws: Awaited<ReturnType<typeof mockedAwsApi>>;
let gateway: { url: string; close(): Promise<void> };
let kinesis: ReturnType<typeof fakeKinesis>;
let lambda: ReturnType<typeof fakeLambda>;
const invoked: unknown[] = [];

beforeAll(async () => {
  aws = await mockedAwsApi();
  gateway = await serveApiGateway(aws.stageHandler);
});
afterAll(async () => {
  await gateway?.close();
  aws?.close();
});
beforeEach(() => {
  aws.reset();
  invoked.length = 0;
  kinesis = fakeKinesis([SETTINGS.RAW_STREAM]);
  lambda = fakeLambda({
    "test-fleetline-Ingest-Validate": async (event) => {
      invoked.push(event);
      return { batchItemFailures: [] };
    },
  });
});
afterEach(() => {
  kinesis.restore();
  lambda.mock.restore();
});

function redrive(args: string[]) {
  return runCaptured(["redrive", ...args, "--url", gateway.url, "--api-token", API_TOKEN]);
}

/** A dispenser's report as it sends it, stamped now. */
const payload = (seq: number) => JSON.stringify(freestylePayload({ seq, ts: Date.now() }));

describe("fleetline redrive against a stage's API", () => {
  it("redrives a dead-lettered batch from Kinesis through its Lambda function, then finds nothing more", async () => {
    const { Records = [] } = await new KinesisClient({ region: "eu-west-1" }).send(
      new PutRecordsCommand({
        StreamName: SETTINGS.RAW_STREAM,
        Records: [1, 2].map((n) => ({ PartitionKey: THING, Data: new TextEncoder().encode(`{"n":${n}}`) })),
      }),
    );
    aws.sqs.messages.push({
      id: "dl-cli",
      sentAt: 1,
      body: JSON.stringify({
        requestContext: {
          functionArn: "arn:aws:lambda:eu-west-1:123456789012:function:test-fleetline-Ingest-Validate",
        },
        KinesisBatchInfo: {
          shardId: "shardId-000000000000",
          startSequenceNumber: Records[0]?.SequenceNumber,
          endSequenceNumber: Records[1]?.SequenceNumber,
          streamArn: `arn:aws:kinesis:eu-west-1:123456789012:stream/${SETTINGS.RAW_STREAM}`,
        },
      }),
    });
    expect(await redrive(["--dead-letter"])).toEqual({
      code: 0,
      out: "redrove 1 of 1 from the dead-letter queue\n",
      err: "redrive: 1 redriven, 0 kept, 0 still waiting\n",
    });
    expect(invoked).toHaveLength(1);
    expect(await redrive(["--dead-letter"])).toMatchObject({
      code: 0,
      out: "nothing to redrive in the dead-letter queue\n",
    });
  });

  it("re-submits one thing's quarantined messages through the raw stream and keeps the malformed one, exit 1", async () => {
    const quarantine = new DynamoDbQuarantine(aws.dynamo.documents, SETTINGS.QUARANTINE_TABLE);
    const entry = (messageId: string, body: string, reason: "UNKNOWN_FIELD" | "MALFORMED_JSON") => ({
      messageId,
      receivedAt: Date.now() - 1000,
      topic: `dt/fleetline/freestyle/${THING}/telemetry`,
      clientId: THING,
      reason,
      detail: "under an older contract",
      payloadBase64: Buffer.from(body).toString("base64"),
    });
    await quarantine.put([
      entry("q-ok", payload(1), "UNKNOWN_FIELD"),
      entry("q-bad", "{oops", "MALFORMED_JSON"),
    ]);
    const result = await redrive(["--quarantine", "--thing", THING]);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/^redrove 1 of 2 from the quarantine\nkept q-bad: MALFORMED_JSON: .+\n$/);
    expect(kinesis.records(SETTINGS.RAW_STREAM)).toHaveLength(1);
    expect(await quarantine.count()).toBe(1);
  });
});
