import { randomUUID } from "node:crypto";
import { kinesisEvent } from "@fleetline/core/aws";
import { describeRuleErrorRedriveContract } from "@fleetline/core/contract";
import type { RedriveRound } from "@fleetline/core/redrive";
import type { Context, KinesisStreamEvent } from "aws-lambda";
import { apiGatewayEvent } from "../../api/test/api-gateway-event.js";
import { freestylePayload } from "../../core/test/factories.js";
import { DynamoDbQuarantine } from "../src/adapters/dynamodb-quarantine.js";
import { fakeKinesis } from "./fake-kinesis.js";
import { API_TOKEN, mockedAwsApi, API_ENVIRONMENT as SETTINGS } from "./mocked-aws-api.js";

const VALIDATED = "test-fleetline-validated";
let things = 0;

// A stage: the rule's error action is AWS IoT's (its documented message, queued in SQS); the
// redrive runs behind the stage's HTTP API; the stage's validate function takes the raw stream.
describeRuleErrorRedriveContract(
  "a stage (AWS mocked)",
  async () => {
    const aws = await mockedAwsApi();
    const kinesis = fakeKinesis([SETTINGS.RAW_STREAM, VALIDATED]);
    const validate = aws.validateFunction();
    const quarantine = new DynamoDbQuarantine(aws.dynamo.documents, SETTINGS.QUARANTINE_TABLE);
    const thing = `test_fs-rule-redrive-${++things}`;
    let taken = 0;
    return {
      thing,
      async failTelemetry(payload) {
        aws.sqs.queue(SETTINGS.RULE_ERRORS_QUEUE_URL).push({
          id: randomUUID(),
          body: JSON.stringify({
            ruleName: "test_fleetline_telemetry",
            topic: `dt/fleetline/freestyle/${thing}/telemetry`,
            cloudwatchTraceId: "7f3c4e2a-0000-4000-8000-000000000000",
            clientId: thing,
            base64OriginalPayload: Buffer.from(payload).toString("base64"),
            failures: [
              {
                failedAction: "KinesisAction",
                failedResource: SETTINGS.RAW_STREAM,
                errorMessage: "Failed to send message to Kinesis: Rate exceeded",
              },
            ],
          }),
          sentAt: Date.now(),
        });
      },
      async redrive() {
        const response = await aws.stageHandler(
          apiGatewayEvent("POST", "/api/redrive/rule-errors", {
            headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json" },
            body: "{}",
          }),
        );
        return JSON.parse(response.body ?? "null") as RedriveRound;
      },
      refuseRawStream: () => kinesis.refuse(SETTINGS.RAW_STREAM),
      async outcome() {
        const records = kinesis.records(SETTINGS.RAW_STREAM).slice(taken);
        taken += records.length;
        if (records.length > 0) {
          const event = kinesisEvent(
            records.map((r) => ({
              sequenceNumber: r.SequenceNumber,
              partitionKey: r.PartitionKey,
              data: r.Data,
              approximateArrivalTimestamp: r.ApproximateArrivalTimestamp.getTime(),
            })),
            {
              shardId: "shardId-000000000000",
              streamArn: `arn:aws:kinesis:eu-west-1:123456789012:stream/${SETTINGS.RAW_STREAM}`,
              functionName: "test-fleetline-Ingest-Validate",
            },
            (r) => Buffer.from(r.data).toString("base64"),
          );
          await validate(event as KinesisStreamEvent, {} as Context);
        }
        return {
          validated: kinesis.records(VALIDATED).filter((r) => r.PartitionKey === thing).length,
          quarantined: (await quarantine.select({ thing }, 100)).map((e) => e.reason),
        };
      },
      async close() {
        kinesis.restore();
        aws.close();
      },
    };
  },
  (seq) => JSON.stringify(freestylePayload({ seq, ts: Date.now() })),
);
