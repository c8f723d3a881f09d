import { Logger } from "@aws-lambda-powertools/logger";
import { PublishCommand as SnsPublishCommand } from "@aws-sdk/client-sns";
import { QueryCommand } from "@aws-sdk/client-timestream-query";
import type { TelemetryRecord } from "@fleetline/core/telemetry";
import type { Context, KinesisStreamEvent } from "aws-lambda";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { apiGatewayEvent } from "../../api/test/api-gateway-event.js";
import { CloudWatchCounters } from "../src/adapters/cloudwatch-counters.js";
import { DynamoDbAlertStore } from "../src/adapters/dynamodb-alert-store.js";
import { DynamoDbCommandLedger } from "../src/adapters/dynamodb-command-ledger.js";
import { IotDataAlertPublisher } from "../src/adapters/iot-alert-publisher.js";
import { IotDataShadowGateway } from "../src/adapters/iot-data-shadow-gateway.js";
import { checkedApiToken } from "../src/api/api-tokens.js";
import { createAlertsHandler } from "../src/handlers/alerts-handler.js";
import { fakeKinesis } from "./fake-kinesis.js";
import { API_ENVIRONMENT, API_TOKEN, mockedAwsApi, VIEWER_TOKEN } from "./mocked-aws-api.js";

// The Lambda entry point itself, with every AWS service it calls mocked.
let aws: Awaited<ReturnType<typeof mockedAwsApi>>;
const TOKEN = API_TOKEN;
const SETTINGS = API_ENVIRONMENT;

beforeAll(async () => {
  aws = await mockedAwsApi();
});
beforeEach(() => {
  aws.reset();
  ids = 0;
});
afterAll(() => aws?.close());

/** One request through API Gateway, the body as sent. */
const send = (method: string, path: string, body?: string, token = TOKEN) =>
  aws.handler(
    apiGatewayEvent(method, path, {
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body }),
    }),
  );

async function call(method: string, path: string, body?: unknown, token = TOKEN) {
  const response = await send(method, path, body === undefined ? undefined : JSON.stringify(body), token);
  return { status: response.statusCode, body: response.body ? JSON.parse(response.body) : undefined };
}

const record = (
  seq: number,
  faults: Array<{ code: "COOLING_FAILURE"; severity: "critical"; detail: string }>,
): TelemetryRecord => ({
  thing: "test_fs-aws-1",
  type: "freestyle",
  seq,
  ts: 1_764_288_000_000 + seq * 1000,
  receivedAt: 1_764_288_000_050 + seq * 1000,
  messageId: `m-${seq}`,
  metrics: { cabinetTempC: 9, co2Kpa: 400, waterKpa: 280, pours: 0, cartridges: { cola: 50 }, state: "idle" },
  faults,
});

let ids = 0;

/** The alerts function on the same mocked services, fed a Kinesis batch as Lambda would. */
async function alertsSee(records: TelemetryRecord[]) {
  const alerts = createAlertsHandler(
    {
      alerts: new DynamoDbAlertStore(aws.dynamo.documents, SETTINGS.ALARMS_TABLE),
      ledger: new DynamoDbCommandLedger(aws.dynamo.documents, SETTINGS.COMMANDS_TABLE),
      publishers: { mqtt: new IotDataAlertPublisher(aws.dataPlane.client) },
      shadows: new IotDataShadowGateway(aws.dataPlane.client),
      counters: new CloudWatchCounters({ stage: "test" }),
      clock: { now: () => 1_764_288_100_000 },
      newId: () => `alert-${++ids}`,
    },
    new Logger({ logLevel: "SILENT" }),
  );
  return alerts(
    kinesisEvent(
      "validated",
      records.map((r) => ({ key: r.thing, data: JSON.stringify(r) })),
    ),
    {} as Context,
  );
}

/** A batch of one stream as Lambda's Kinesis event source hands it over. */
function kinesisEvent(stream: string, records: Array<{ key: string; data: string }>): KinesisStreamEvent {
  return {
    Records: records.map((r, i) => ({
      kinesis: {
        kinesisSchemaVersion: "1.0",
        partitionKey: r.key,
        sequenceNumber: String(i + 1),
        data: Buffer.from(r.data).toString("base64"),
        approximateArrivalTimestamp: 1_764_288_000 + i,
      },
      eventSource: "aws:kinesis",
      eventVersion: "1.0",
      eventID: `shardId-000000000000:${i + 1}`,
      eventName: "aws:kinesis:record",
      invokeIdentityArn: "arn:aws:iam::123456789012:role/fleetline",
      awsRegion: "eu-west-1",
      eventSourceARN: `arn:aws:kinesis:eu-west-1:123456789012:stream/test-fleetline-${stream}`,
    })),
  };
}

describe("the query API Lambda (API Gateway event in, mocked AWS services behind)", () => {
  it("refuses a request without the stage's token and answers /healthz without one", async () => {
    expect((await call("GET", "/api/stats", undefined, "wrong")).status).toBe(401);
    expect(await call("GET", "/healthz", undefined, "")).toEqual({ status: 200, body: { status: "ok" } });
  });

  it("lets the viewer token read but not register devices, edit shadows or ack alerts", async () => {
    expect((await call("GET", "/api/things", undefined, VIEWER_TOKEN)).status).toBe(200);
    for (const [method, path, body] of [
      ["POST", "/api/things", { thing: "test_fs-viewer", type: "freestyle" }],
      ["DELETE", "/api/things/test_fs-aws-1", undefined],
      ["POST", "/api/devices/test_fs-aws-1/shadow", { state: { desired: { mode: "x" } } }],
      ["POST", "/api/alerts/alert-1/ack", undefined],
    ] as const) {
      const answer = await call(method, path, body, VIEWER_TOKEN);
      expect([method, path, answer.status, (answer.body as { error: { code: string } }).error.code]).toEqual([
        method,
        path,
        403,
        "FORBIDDEN",
      ]);
    }
    expect(aws.iot.things.has("test_fs-viewer")).toBe(false);
  });

  it("registers a thing in AWS IoT and hands out its certificate once; lists and deletes it", async () => {
    const created = await call("POST", "/api/things", { thing: "test_fs-aws-1", type: "freestyle" });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      thing: "test_fs-aws-1",
      type: "freestyle",
      certificateArn: expect.stringMatching(/^arn:aws:iot:.*:cert\//),
      certificatePem: expect.stringContaining("BEGIN CERTIFICATE"),
      privateKey: expect.stringContaining("PRIVATE KEY"),
    });
    expect((await call("POST", "/api/things", { thing: "test_fs-aws-1", type: "freestyle" })).status).toBe(
      409,
    );
    expect((await call("GET", "/api/things")).body).toEqual([
      { thing: "test_fs-aws-1", type: "freestyle", createdAt: expect.any(Number) },
    ]);
    expect((await call("POST", "/api/things", { thing: "bad name", type: "robot" })).status).toBe(400);
    await call("POST", "/api/things", { thing: "test_rb-gone", type: "robot" });
    expect((await call("DELETE", "/api/things/test_rb-gone")).status).toBe(204);
    expect((await call("DELETE", "/api/things/test_rb-gone")).status).toBe(404);
    expect(aws.iot.things.has("test_rb-gone")).toBe(false);
  });

  it("shows the alarm the alerts function raised, the device with its open alarm, and acks it", async () => {
    const cooling = [{ code: "COOLING_FAILURE", severity: "critical", detail: "compressor off" }] as const;
    await alertsSee([record(1, [...cooling]), record(2, [...cooling])]);
    const open = await call("GET", "/api/alerts?status=open");
    expect(open.body).toEqual([
      expect.objectContaining({
        id: "alert-1",
        thing: "test_fs-aws-1",
        code: "COOLING_FAILURE",
        occurrences: 2,
      }),
    ]);
    aws.timestream.on(QueryCommand).resolves({
      QueryId: "q",
      ColumnInfo: ["thing", "type", "last_seen", "state"].map((Name) => ({
        Name,
        Type: { ScalarType: "VARCHAR" },
      })),
      Rows: [
        {
          Data: [
            { ScalarValue: "test_fs-aws-1" },
            { ScalarValue: "freestyle" },
            { ScalarValue: "1764288002050" },
            { ScalarValue: "idle" },
          ],
        },
      ],
    });
    expect((await call("GET", "/api/devices")).body).toEqual([
      {
        thing: "test_fs-aws-1",
        type: "freestyle",
        // Reported, but not among the stage's things; AWS IoT's connectivity is not asked here.
        registered: false,
        connected: null,
        lastSeen: 1_764_288_002_050,
        state: "idle",
        openAlerts: 1,
      },
    ]);
    const acked = await call("POST", "/api/alerts/alert-1/ack");
    expect(acked).toMatchObject({ status: 200, body: { status: "acked", ackedAt: expect.any(Number) } });
    expect(aws.dataPlane.published.at(-1)).toMatchObject({
      topic: "alerts/fleetline/freestyle/test_fs-aws-1",
      payload: { id: "alert-1", status: "acked" },
    });
    expect(aws.sns.commandCalls(SnsPublishCommand).at(-1)?.args[0].input.TopicArn).toBe(
      SETTINGS.ALERTS_TOPIC_ARN,
    );
    expect((await call("GET", "/api/commands?thing=test_fs-aws-1")).body).toEqual([
      expect.objectContaining({
        thing: "test_fs-aws-1",
        desired: { mode: "maintenance" },
        status: "pending",
      }),
    ]);
  });

  it("raises and clears an alarm within one batch: one write of its record per transaction", async () => {
    const leak = [{ code: "COOLING_FAILURE", severity: "critical", detail: "compressor off" }] as const;
    const thing = "test_fs-flash";
    const response = await alertsSee(
      [record(20, [...leak]), record(21, []), record(22, []), record(23, [])].map((r) => ({ ...r, thing })),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect((await call("GET", `/api/alerts?thing=${thing}`)).body).toEqual([
      expect.objectContaining({ status: "cleared", code: "COOLING_FAILURE" }),
    ]);
  });

  it("pages alerts and commands with limit and x-next-cursor, reading DynamoDB by key only", async () => {
    const cooling = [{ code: "COOLING_FAILURE", severity: "critical", detail: "compressor off" }] as const;
    await alertsSee(
      ["test_fs-page-1", "test_fs-page-2", "test_fs-page-3"].map((thing, i) => ({
        ...record(10 + i, [...cooling]),
        thing,
      })),
    );
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const response = await send("GET", `/api/alerts?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(response.statusCode).toBe(200);
      seen.push(...(JSON.parse(response.body ?? "[]") as Array<{ id: string }>).map((a) => a.id));
      cursor = response.headers?.["x-next-cursor"] as string | undefined;
      pages += 1;
    } while (cursor);
    const all = (await call("GET", "/api/alerts?limit=1000")).body as unknown[];
    expect(all).toHaveLength(3);
    expect(seen).toHaveLength(all.length);
    expect(new Set(seen).size).toBe(all.length);
    expect(pages).toBe(Math.ceil(all.length / 2));
    const commands = await send("GET", "/api/commands?limit=2");
    expect(JSON.parse(commands.body ?? "[]")).toHaveLength(2);
    expect(commands.headers?.["x-next-cursor"]).toEqual(expect.any(String));
    expect((await call("GET", "/api/alerts?cursor=forged")).body).toMatchObject({
      error: { code: "INVALID_PARAMETER" },
    });
    expect(aws.dynamo.calls).not.toContain("Scan");
  });

  it("edits a device's desired state through the IoT Data Plane, refusing what AWS refuses", async () => {
    const raw = (body: string) => send("POST", "/api/devices/test_fs-aws-shadow/shadow", body);
    aws.timestream.on(QueryCommand).resolves({ QueryId: "q", ColumnInfo: [], Rows: [] });
    await call("POST", "/api/things", { thing: "test_fs-aws-shadow", type: "freestyle" });
    const accepted = await raw('{"state":{"desired":{"flavorLock":["cola"]}}}');
    expect(accepted.statusCode).toBe(200);
    expect(aws.dataPlane.shadows.get("test_fs-aws-shadow")).toBeDefined();
    const detail = await call("GET", "/api/devices/test_fs-aws-shadow");
    expect(detail.body.shadow.state.desired).toMatchObject({ flavorLock: ["cola"] });
    const refused = await raw('{"state":{"desired":');
    expect(refused.statusCode).toBe(400);
    expect(JSON.parse(refused.body as string)).toEqual({
      error: { code: "REQUEST_INVALID", message: "Invalid JSON" },
    });
    expect((await call("POST", "/api/devices/fs-nobody/shadow", { state: {} })).status).toBe(404);
  });

  it("counts what the validate function read as received, from CloudWatch, and the dead letters from SQS", async () => {
    // The validate function as its Lambda entry point builds it, fed what the telemetry rule put
    // on the raw stream: two good messages and a malformed one.
    const kinesis = fakeKinesis(["test-fleetline-validated"]);
    const validate = aws.validateFunction();
    const envelope = (seq: number, payload: string) => ({
      key: "test_fs-aws-1",
      data: JSON.stringify({
        payload: Buffer.from(payload).toString("base64"),
        topic: "dt/fleetline/freestyle/test_fs-aws-1/telemetry",
        type: "freestyle",
        thing: "test_fs-aws-1",
        clientId: "test_fs-aws-1",
        receivedAt: Date.now(),
        messageId: `raw-${seq}`,
      }),
    });
    const good = (seq: number) => {
      const { thing: _t, type: _ty, receivedAt: _r, messageId: _m, ...payload } = record(seq, []);
      return JSON.stringify({ ...payload, v: 1, ts: Date.now() });
    };
    try {
      const result = await validate(
        kinesisEvent("raw", [envelope(1, good(1)), envelope(2, "{not json"), envelope(3, good(3))]),
        {} as Context,
      );
      expect(result).toEqual({ batchItemFailures: [] });
    } finally {
      kinesis.restore();
    }
    aws.sqs.messages.push({ id: "dl-1", body: "{}", sentAt: 1 });
    expect((await call("GET", "/api/stats")).body).toEqual({
      received: 3,
      valid: 2,
      rejected: 1,
      stored: 0,
      duplicates: 0,
      alertsRaised: 0,
      shadowUpdates: 0,
      commandsDelivered: 0,
      commandsExpired: 0,
      commandsFailed: 0,
      shadowDocumentsRejected: 0,
      deadLettered: 1,
    });
  });

  it("will not start without an API token of at least 16 characters, which would leave the API open", () => {
    for (const token of [undefined, "", "short"])
      expect(() => checkedApiToken(token)).toThrow("API_TOKEN secret must be at least 16 characters");
    expect(() => checkedApiToken("short", "API_VIEWER_TOKEN")).toThrow(
      "API_VIEWER_TOKEN secret must be at least 16 characters",
    );
    expect(checkedApiToken(TOKEN)).toBe(TOKEN);
  });

  it("reports its AWS endpoints in /api/info", async () => {
    expect((await call("GET", "/api/info")).body).toEqual({
      version: "0.1.0",
      mqttUrl: "mqtts://abc123-ats.iot.eu-west-1.amazonaws.com:8883",
      mqttsUrl: "mqtts://abc123-ats.iot.eu-west-1.amazonaws.com:8883",
      wsUrl: "wss://abc123-ats.iot.eu-west-1.amazonaws.com/mqtt",
      kinesisEndpoint: "https://kinesis.eu-west-1.amazonaws.com",
      dataPlaneEndpoint: "https://abc123-ats.iot.eu-west-1.amazonaws.com",
    });
  });
});
