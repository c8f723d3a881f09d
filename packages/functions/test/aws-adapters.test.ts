import { IoTDataPlaneClient, PublishCommand as IotPublishCommand } from "@aws-sdk/client-iot-data-plane";
import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { SNSClient, PublishCommand as SnsPublishCommand } from "@aws-sdk/client-sns";
import type { AlertRecord } from "@fleetline/core/alarms";
import { describeAlertPublisherContract } from "@fleetline/core/contract";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { IotDataAlertPublisher } from "../src/adapters/iot-alert-publisher.js";
import { KinesisStreamProducer } from "../src/adapters/kinesis-producer.js";
import { SnsAlertPublisher } from "../src/adapters/sns-alert-publisher.js";

const iot = mockClient(IoTDataPlaneClient);
const sns = mockClient(SNSClient);
const kinesis = mockClient(KinesisClient);

beforeEach(() => {
  iot.reset();
  sns.reset();
  kinesis.reset();
});

describeAlertPublisherContract("IotDataAlertPublisher (AWS IoT Data Plane, mocked)", async () => {
  iot.on(IotPublishCommand).resolves({});
  return {
    publisher: new IotDataAlertPublisher(new IoTDataPlaneClient({ region: "eu-west-1" })),
    published: async () =>
      iot.commandCalls(IotPublishCommand).map((call) => ({
        topic: call.args[0].input.topic as string,
        record: JSON.parse(new TextDecoder().decode(call.args[0].input.payload as Uint8Array)),
      })),
    close: async () => undefined,
  };
});

const alert: AlertRecord = {
  id: "a1",
  thing: "fs-sns",
  type: "freestyle",
  code: "LEAK_DETECTED",
  severity: "critical",
  status: "open",
  openedAt: 1,
  occurrences: 1,
  lastSeenAt: 1,
};

describe("SnsAlertPublisher (mocked)", () => {
  it("sends the record to the topic with attributes operators can filter on", async () => {
    sns.on(SnsPublishCommand).resolves({ MessageId: "m1" });
    await new SnsAlertPublisher(
      new SNSClient({ region: "eu-west-1" }),
      "arn:aws:sns:eu-west-1:123456789012:alerts",
    ).publish(alert);
    const [call] = sns.commandCalls(SnsPublishCommand);
    expect(call?.args[0].input).toEqual({
      TopicArn: "arn:aws:sns:eu-west-1:123456789012:alerts",
      Subject: "[critical] LEAK_DETECTED open on fs-sns",
      Message: JSON.stringify(alert),
      MessageAttributes: {
        thing: { DataType: "String", StringValue: "fs-sns" },
        severity: { DataType: "String", StringValue: "critical" },
        status: { DataType: "String", StringValue: "open" },
      },
    });
  });

  it("reports a failed publish as a transient PUBLISH_FAILED", async () => {
    sns.on(SnsPublishCommand).rejects(new Error("throttled"));
    const publisher = new SnsAlertPublisher(
      new SNSClient({ region: "eu-west-1" }),
      "arn:aws:sns:eu-west-1:123456789012:alerts",
    );
    await expect(publisher.publish(alert)).rejects.toMatchObject({
      code: "PUBLISH_FAILED",
      kind: "transient",
    });
  });
});

describe("KinesisStreamProducer against a mocked Kinesis", () => {
  it("retries only the 3 of 500 entries a PutRecords rejected", async () => {
    const failed = new Set([7, 250, 499]);
    kinesis
      .on(PutRecordsCommand)
      .resolvesOnce({
        FailedRecordCount: 3,
        Records: Array.from({ length: 500 }, (_, i) =>
          failed.has(i)
            ? { ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "Rate exceeded" }
            : { SequenceNumber: String(i), ShardId: "shardId-000000000000" },
        ),
      })
      .resolves({
        FailedRecordCount: 0,
        Records: [{}, {}, {}].map((_, i) => ({ SequenceNumber: `r${i}`, ShardId: "shardId-000000000000" })),
      });
    const producer = new KinesisStreamProducer(new KinesisClient({ region: "eu-west-1" }), {
      sleep: async () => undefined,
    });
    const entries = Array.from({ length: 500 }, (_, i) => ({
      partitionKey: `k${i}`,
      data: new TextEncoder().encode(`e${i}`),
    }));
    expect(await producer.put("fleetline-validated-prod", entries)).toEqual([]);
    const calls = kinesis.commandCalls(PutRecordsCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input.Records?.map((r) => new TextDecoder().decode(r.Data))).toEqual([
      "e7",
      "e250",
      "e499",
    ]);
  });
});
