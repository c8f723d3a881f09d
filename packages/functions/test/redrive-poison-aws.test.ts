import { randomUUID } from "node:crypto";
import { Logger } from "@aws-lambda-powertools/logger";
import { SQSClient } from "@aws-sdk/client-sqs";
import { kinesisEvent } from "@fleetline/core/aws";
import { describeRedrivePoisonContract, type RedriveSource } from "@fleetline/core/contract";
import type { RedriveRound } from "@fleetline/core/redrive";
import { MemoryTelemetryStore } from "@fleetline/testing";
import type { Context, KinesisStreamEvent } from "aws-lambda";
import { apiGatewayEvent } from "../../api/test/api-gateway-event.js";
import { freestylePayload } from "../../core/test/factories.js";
import { CloudWatchCounters } from "../src/adapters/cloudwatch-counters.js";
import { DynamoDbQuarantine } from "../src/adapters/dynamodb-quarantine.js";
import { SqsDeadLetterQueue } from "../src/adapters/sqs-dead-letter-queue.js";
import { createStoreHandler } from "../src/handlers/store-handler.js";
import { fakeKinesis } from "./fake-kinesis.js";
import { fakeLambda } from "./fake-lambda.js";
import { API_TOKEN, mockedAwsApi, API_ENVIRONMENT as SETTINGS } from "./mocked-aws-api.js";

const STORE = "test-fleetline-Ingest-Store";
const VALIDATED = "test-fleetline-validated";
let things = 0;

// A stage: the store function as its entry point builds it (its dead letters in SQS), invoked by
// its event source and by the redrive through Lambda; the redrive behind the stage's HTTP API.
describeRedrivePoisonContract("a stage (AWS mocked)", async () => {
  const aws = await mockedAwsApi();
  const kinesis = fakeKinesis([SETTINGS.RAW_STREAM, VALIDATED]);
  const thing = `test_fs-poison-${++things}`;
  const quarantine = new DynamoDbQuarantine(aws.dynamo.documents, SETTINGS.QUARANTINE_TABLE);
  const store = createStoreHandler(
    { store: MemoryTelemetryStore.create(), quarantine, counters: new CloudWatchCounters({ stage: "test" }) },
    new Logger({ logLevel: "SILENT" }),
    new SqsDeadLetterQueue(new SQSClient({ region: "eu-west-1" }), SETTINGS.DEAD_LETTER_QUEUE_URL),
  );
  const context = { functionName: STORE } as Context;
  const lambda = fakeLambda({ [STORE]: (event) => store(event as KinesisStreamEvent, context) });
  const queueOf = {
    "dead-letter": SETTINGS.DEAD_LETTER_QUEUE_URL,
    "rule-errors": SETTINGS.RULE_ERRORS_QUEUE_URL,
  } as const;
  return {
    async poisonStore() {
      const data = new TextEncoder().encode(JSON.stringify({ thing, not: "a telemetry record" }));
      const event = kinesisEvent(
        [
          {
            sequenceNumber: "49650000000000000000000000001",
            partitionKey: thing,
            data,
            approximateArrivalTimestamp: Date.now(),
          },
        ],
        {
          shardId: "shardId-000000000000",
          streamArn: `arn:aws:kinesis:eu-west-1:123456789012:stream/${VALIDATED}`,
          functionName: STORE,
        },
        (record) => Buffer.from(record.data).toString("base64"),
      );
      await store(event as KinesisStreamEvent, context);
    },
    async quarantineMalformed() {
      await quarantine.put([
        {
          messageId: randomUUID(),
          receivedAt: Date.now() - 1_000,
          topic: `dt/fleetline/freestyle/${thing}/telemetry`,
          clientId: thing,
          reason: "MALFORMED_JSON",
          detail: "Expected property name",
          payloadBase64: Buffer.from("{oops").toString("base64"),
        },
      ]);
    },
    async failRuleError() {
      kinesis.refuse(SETTINGS.RAW_STREAM);
      aws.sqs.queue(SETTINGS.RULE_ERRORS_QUEUE_URL).push({
        id: randomUUID(),
        body: JSON.stringify({
          ruleName: "test_fleetline_telemetry",
          topic: `dt/fleetline/freestyle/${thing}/telemetry`,
          clientId: thing,
          base64OriginalPayload: Buffer.from(
            JSON.stringify(freestylePayload({ seq: 1, ts: Date.now() })),
          ).toString("base64"),
        }),
        sentAt: Date.now() - 1_000,
      });
    },
    async waiting(source: RedriveSource) {
      if (source === "quarantine") return (await quarantine.select({}, 100)).map((entry) => entry.messageId);
      return aws.sqs.queue(queueOf[source]).map((message) => message.id);
    },
    async round(source: RedriveSource, run?: string) {
      const response = await aws.stageHandler(
        apiGatewayEvent("POST", `/api/redrive/${source}`, {
          headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json" },
          body: JSON.stringify(run ? { run } : {}),
        }),
      );
      return JSON.parse(response.body ?? "null") as RedriveRound;
    },
    async close() {
      lambda.mock.restore();
      kinesis.restore();
      aws.close();
    },
  };
});
