import { readFileSync } from "node:fs";
import { NEXT_CURSOR_HEADER } from "@fleetline/core/common";
import { stageNames } from "@fleetline/core/devices";
import { FUNCTION_TIMEOUT_S, REDRIVE_ROUTES } from "@fleetline/core/pipeline";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Config, Api as HttpApi, Function as LambdaFunction, type StackContext, use } from "sst/constructs";
import { Alerts } from "./Alerts.js";
import { Devices } from "./Devices.js";
import { Ingest } from "./Ingest.js";
import { Storage } from "./Storage.js";

/** API Gateway's per-route limits for the stage (requests per second, and the burst above it). */
export const API_THROTTLE = { rate: 50, burst: 100 } as const;

/**
 * The query API as one Lambda behind an API Gateway HTTP API — its redrive routes on a Lambda of
 * their own — guarded by two secrets — the operator's API_TOKEN (everything, device registration
 * included) and API_VIEWER_TOKEN (reads), which a Lambda authorizer checks — and throttled.
 */
export function Api({ stack, app }: StackContext) {
  const storage = use(Storage);
  const { topic, dataEndpoint, alerts, confirm } = use(Alerts);
  const { raw, validated, validate, store } = use(Ingest);
  const { policy } = use(Devices);
  const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
  const token = new Config.Secret(stack, "API_TOKEN");
  const viewerToken = new Config.Secret(stack, "API_VIEWER_TOKEN");
  const things = `thing/${stageNames(app.stage).thingPrefix}*`;

  const { telemetry } = storage;
  const fn = new LambdaFunction(stack, "ApiFunction", {
    handler: "packages/functions/src/entry-points/api.handler",
    timeout: FUNCTION_TIMEOUT_S.api,
    environment: {
      FLEETLINE_VERSION: version,
      FLEETLINE_TELEMETRY: telemetry.target,
      ...(telemetry.target === "lake"
        ? {
            ATHENA_WORKGROUP: telemetry.lake.workGroup.ref,
            LAKE_DATABASE: stageNames(app.stage).lakeDatabase,
            LAKE_TABLE: "telemetry",
            LATEST_TABLE: telemetry.latest.tableName,
          }
        : {
            TIMESTREAM_DATABASE: telemetry.timestream.database.ref,
            TIMESTREAM_TABLE: telemetry.timestream.table.attrName,
          }),
      ALARMS_TABLE: storage.alarms.tableName,
      COMMANDS_TABLE: storage.commands.tableName,
      QUARANTINE_TABLE: storage.quarantine.tableName,
      PRESENCE_TABLE: storage.presence.tableName,
      DEAD_LETTER_QUEUE_URL: storage.deadLetters.queueUrl,
      ALERTS_TOPIC_ARN: topic.topicArn,
      IOT_DATA_ENDPOINT: dataEndpoint,
      DEVICE_POLICY: policy.ref,
    },
  });
  // An ack writes its alarm and carries out what the alarm owes (commands too); the quarantine is only read.
  storage.alarms.grantReadWriteData(fn);
  storage.commands.grantReadWriteData(fn);
  storage.quarantine.grantReadData(fn);
  storage.presence.grantReadData(fn);
  topic.grantPublish(fn);
  const iot = (resource: string) => `arn:${stack.partition}:iot:${stack.region}:${stack.account}:${resource}`;
  if (telemetry.target === "lake") {
    fn.attachPermissions([
      ...telemetry.lake.queryStatements(),
      new PolicyStatement({
        actions: ["dynamodb:GetItem", "dynamodb:Query"],
        resources: [telemetry.latest.tableArn, `${telemetry.latest.tableArn}/index/*`],
      }),
    ]);
  } else {
    fn.attachPermissions(telemetry.timestream.statements("timestream:Select"));
  }
  fn.attachPermissions([
    new PolicyStatement({ actions: ["sqs:GetQueueAttributes"], resources: [storage.deadLetters.queueArn] }),
    // None of these has a resource to scope to (docs/guide/security.md, "Rights no policy can narrow to a stage").
    new PolicyStatement({
      actions: ["cloudwatch:GetMetricData", "iot:ListThings", "iot:CreateKeysAndCertificate", "iot:ListJobs"],
      resources: ["*"],
    }),
    // The dashboard's Jobs view: the stage's jobs (named with its prefix) and its things' executions.
    new PolicyStatement({
      actions: ["iot:DescribeJob", "iot:GetJobDocument", "iot:ListJobExecutionsForJob"],
      resources: [iot(`job/${stageNames(app.stage).thingPrefix}*`)],
    }),
    new PolicyStatement({ actions: ["iot:ListJobExecutionsForThing"], resources: [iot(things)] }),
    // How many things a job for a thing group targets (`fleetline jobs create --type`'s groups).
    new PolicyStatement({
      actions: ["iot:ListThingsInThingGroup"],
      resources: [iot(`thinggroup/${stageNames(app.stage).thingPrefix}*`)],
    }),
    new PolicyStatement({
      actions: [
        "iot:CreateThing",
        "iot:DescribeThing",
        "iot:DeleteThing",
        "iot:ListThingPrincipals",
        "iot:AttachThingPrincipal",
        "iot:DetachThingPrincipal",
        "iot:GetThingShadow",
        "iot:UpdateThingShadow",
      ],
      resources: [iot(things)],
    }),
    // AWS IoT certificates can be neither named nor tagged, so no policy can narrow these to the
    // stage's certificates: the code touches only certificates attached to the stage's things.
    new PolicyStatement({
      actions: ["iot:AttachPolicy", "iot:DetachPolicy", "iot:UpdateCertificate", "iot:DeleteCertificate"],
      resources: [iot("cert/*"), iot(`policy/${policy.ref}`)],
    }),
    new PolicyStatement({
      actions: ["iot:Publish"],
      resources: [iot(`topic/alerts/fleetline/*/${stageNames(app.stage).thingPrefix}*`)],
    }),
  ]);

  // `fleetline redrive` on the stage: a function of its own, the only one allowed to invoke the
  // stage's functions and write its raw stream from outside the pipeline (docs/reference/api.md).
  const redriven = [validate, store, alerts, confirm];
  const redrive = new LambdaFunction(stack, "RedriveFunction", {
    handler: "packages/functions/src/entry-points/redrive.handler",
    timeout: FUNCTION_TIMEOUT_S.redrive,
    environment: {
      QUARANTINE_TABLE: storage.quarantine.tableName,
      DEAD_LETTER_QUEUE_URL: storage.deadLetters.queueUrl,
      RULE_ERRORS_QUEUE_URL: storage.ruleErrors.queueUrl,
      RAW_STREAM: raw.streamName,
      REDRIVE_FUNCTIONS: redriven.map((fn) => fn.functionName).join(","),
      CONFIRM_FUNCTION: confirm.functionName,
    },
  });
  // It reads and deletes the queued failures, re-reads the streams, invokes the functions, and puts
  // quarantined messages and failed telemetry back on the raw stream (removing what it took).
  storage.quarantine.grantReadWriteData(redrive);
  storage.deadLetters.grantConsumeMessages(redrive);
  storage.ruleErrors.grantConsumeMessages(redrive);
  raw.grantReadWrite(redrive);
  validated.grantRead(redrive);
  for (const fn of redriven) fn.grantInvoke(redrive);

  // The tokens are checked in front of both, by a function of its own: the only one bound to the
  // secrets (and so to SSM), its answer cached per token for 5 minutes.
  const authorizer = new LambdaFunction(stack, "ApiAuthorizer", {
    handler: "packages/functions/src/entry-points/authorizer.handler",
    timeout: FUNCTION_TIMEOUT_S.authorizer,
    bind: [token, viewerToken],
  });

  const api = new HttpApi(stack, "Api", {
    authorizers: {
      token: {
        type: "lambda",
        function: authorizer,
        responseTypes: ["simple"],
        resultsCacheTtl: "300 seconds",
        identitySource: ["$request.header.Authorization"],
      },
    },
    // The dashboard is on another origin; the token travels in a header, never a cookie.
    cors: {
      allowOrigins: ["*"],
      allowHeaders: ["authorization", "content-type"],
      allowMethods: ["GET", "POST", "PUT", "DELETE"],
      // Listings are paged: the next page's cursor comes in this header.
      exposeHeaders: [NEXT_CURSOR_HEADER],
    },
    routes: {
      // The health check answers anyone, as locally.
      "GET /healthz": { function: fn, authorizer: "none" },
      [REDRIVE_ROUTES.routeKey]: { function: redrive },
      $default: { function: fn },
    },
    defaults: { throttle: API_THROTTLE, authorizer: "token" },
  });

  stack.addOutputs({ ApiUrl: api.url });
  return { api };
}
