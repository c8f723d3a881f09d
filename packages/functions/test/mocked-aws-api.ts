import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Logger } from "@aws-lambda-powertools/logger";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { SNSClient, PublishCommand as SnsPublishCommand } from "@aws-sdk/client-sns";
import { TimestreamQueryClient } from "@aws-sdk/client-timestream-query";
import type { ApiGatewayHandler } from "@fleetline/api";
import { REDRIVE_ROUTES } from "@fleetline/core/pipeline";
import { mockClient } from "aws-sdk-client-mock";
import { apiGatewayEvent } from "../../api/test/api-gateway-event.js";
import { CloudWatchCounters } from "../src/adapters/cloudwatch-counters.js";
import { DynamoDbQuarantine } from "../src/adapters/dynamodb-quarantine.js";
import { KinesisStreamProducer } from "../src/adapters/kinesis-producer.js";
import { createValidateHandler } from "../src/handlers/validate-handler.js";
import { fakeCloudWatch } from "./fake-cloudwatch.js";
import { fakeDynamoDb } from "./fake-dynamodb.js";
import { fakeIot } from "./fake-iot.js";
import { fakeIotDataPlane } from "./fake-iot-data-plane.js";
import { fakeSqs } from "./fake-sqs.js";

export const API_TOKEN = "flt-test-api-token-0123456789";
export const VIEWER_TOKEN = "flt-test-viewer-token-0123456789";

/** What the Api stack sets on the API function, and SST for its bound secrets. */
export const API_ENVIRONMENT = {
  FLEETLINE_STAGE: "test",
  FLEETLINE_VERSION: "0.1.0",
  AWS_REGION: "eu-west-1",
  FLEETLINE_TELEMETRY: "timestream",
  TIMESTREAM_DATABASE: "test-fleetline",
  TIMESTREAM_TABLE: "telemetry",
  ALARMS_TABLE: "alarms",
  COMMANDS_TABLE: "commands",
  QUARANTINE_TABLE: "quarantine",
  PRESENCE_TABLE: "presence",
  DEAD_LETTER_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/123456789012/test-DeadLetters",
  RULE_ERRORS_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/123456789012/test-RuleErrors",
  RAW_STREAM: "test-fleetline-raw",
  REDRIVE_FUNCTIONS:
    "test-fleetline-Ingest-Validate,test-fleetline-Ingest-Store,test-fleetline-Alerts-AlertsFunction,test-fleetline-Alerts-ConfirmFunction",
  CONFIRM_FUNCTION: "test-fleetline-Alerts-ConfirmFunction",
  ALERTS_TOPIC_ARN: "arn:aws:sns:eu-west-1:123456789012:test-fleetline-alerts",
  IOT_DATA_ENDPOINT: "abc123-ats.iot.eu-west-1.amazonaws.com",
  DEVICE_POLICY: "test-fleetline-devices",
  SST_APP: "fleetline",
  SST_STAGE: "test",
  SST_Secret_value_API_TOKEN: API_TOKEN,
  SST_Secret_value_API_VIEWER_TOKEN: VIEWER_TOKEN,
};

/**
 * The query API Lambda's entry point, loaded with the stack's settings, over every AWS service it
 * calls mocked with the fakes of this folder.
 */
export async function mockedAwsApi(overrides: Record<string, string> = {}) {
  const services = {
    dynamo: fakeDynamoDb(),
    iot: fakeIot([API_ENVIRONMENT.DEVICE_POLICY]),
    dataPlane: fakeIotDataPlane(),
    sqs: fakeSqs(API_ENVIRONMENT.DEAD_LETTER_QUEUE_URL),
    cloudWatch: fakeCloudWatch(),
    sns: mockClient(SNSClient),
    timestream: mockClient(TimestreamQueryClient),
  };
  services.sns.on(SnsPublishCommand).resolves({ MessageId: "sns-1" });
  Object.assign(process.env, API_ENVIRONMENT, overrides);
  const { handler: apiFunction } = (await import("../src/entry-points/api.js")) as {
    handler: ApiGatewayHandler;
  };
  const { handler: redriveFunction } = (await import("../src/entry-points/redrive.js")) as {
    handler: ApiGatewayHandler;
  };
  const { handler: authorizer } = await import("../src/entry-points/authorizer.js");
  // The stage's Lambda authorizer in front of a function, as API Gateway runs it: no Authorization
  // header is API Gateway's own 401; otherwise the authorizer's context goes with the event.
  const gated =
    (fn: ApiGatewayHandler): ApiGatewayHandler =>
    async (event) => {
      if (event.requestContext.http.method === "GET" && event.rawPath === "/healthz") return fn(event);
      const authorization = event.headers.authorization ?? event.headers.Authorization;
      if (!authorization)
        return {
          statusCode: 401,
          headers: { "content-type": "application/json" },
          body: '{"message":"Unauthorized"}',
        };
      const { context } = await authorizer({
        type: "REQUEST",
        headers: { authorization },
        identitySource: [authorization],
      } as unknown as Parameters<typeof authorizer>[0]);
      return fn({
        ...event,
        requestContext: { ...event.requestContext, authorizer: { lambda: context } },
      } as typeof event);
    };
  const handler = gated(apiFunction);
  const redriveHandler = gated(redriveFunction);
  // API Gateway's routes, as the Api stack declares them: `POST /api/redrive/{source}` to the
  // redrive function, everything else to the API function.
  const stageHandler: ApiGatewayHandler = (event) => {
    const source = event.rawPath.startsWith(REDRIVE_ROUTES.prefix)
      ? event.rawPath.slice(REDRIVE_ROUTES.prefix.length)
      : "";
    const redrive = event.requestContext.http.method === REDRIVE_ROUTES.method && /^[^/]+$/.test(source);
    return (redrive ? redriveHandler : handler)(event);
  };
  return {
    ...services,
    /** The API function's entry point, behind the stage's authorizer. */
    handler,
    /** The redrive function's entry point, behind the stage's authorizer. */
    redriveHandler,
    /** The stage's HTTP API: each request to the function its route names. */
    stageHandler,
    /** The stage's validate function as its entry point builds it, over the same mocked services (Kinesis: the caller's). */
    validateFunction: () =>
      createValidateHandler(
        {
          producer: new KinesisStreamProducer(new KinesisClient({ region: "eu-west-1" })),
          quarantine: new DynamoDbQuarantine(services.dynamo.documents, API_ENVIRONMENT.QUARANTINE_TABLE),
          counters: new CloudWatchCounters({ stage: "test" }),
          validatedStream: "test-fleetline-validated",
        },
        new Logger({ logLevel: "SILENT" }),
      ),
    /** Every service empty again: each test starts from nothing. */
    reset() {
      services.dynamo.reset();
      services.iot.reset();
      services.dataPlane.reset();
      services.sqs.reset();
      services.cloudWatch.reset();
      services.timestream.reset();
      services.sns.reset();
      services.sns.on(SnsPublishCommand).resolves({ MessageId: "sns-1" });
    },
    close() {
      for (const name of [...Object.keys(API_ENVIRONMENT), ...Object.keys(overrides)])
        if (name !== "AWS_REGION") delete process.env[name];
      services.cloudWatch.restore();
    },
  };
}

/** API Gateway in front of the handler, on a free local port: what a client of the `ApiUrl` output meets. */
export async function serveApiGateway(
  handler: ApiGatewayHandler,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.join(",") : (value ?? ""),
      ]),
    );
    const result = await handler(
      apiGatewayEvent(request.method ?? "GET", request.url ?? "/", {
        headers,
        body: Buffer.concat(chunks).toString("utf8"),
      }),
    );
    response.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>);
    response.end(result.isBase64Encoded ? Buffer.from(result.body ?? "", "base64") : (result.body ?? ""));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
