import { stageNames } from "@fleetline/core/devices";
import { FUNCTION_TIMEOUT_S, STREAMS, stageTelemetryRule } from "@fleetline/core/pipeline";
import { Duration } from "aws-cdk-lib";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { CfnTopicRule } from "aws-cdk-lib/aws-iot";
import { Stream, StreamEncryption } from "aws-cdk-lib/aws-kinesis";
import { Function as LambdaFunction, type StackContext, use } from "sst/constructs";
import { consumeStream } from "./lib/stream-consumer.js";
import { Storage } from "./Storage.js";

/** The telemetry rule, the two streams and their consumers: validate and store. */
export function Ingest({ stack, app }: StackContext) {
  const storage = use(Storage);
  const stream = (id: string, name: string) =>
    new Stream(stack, id, {
      streamName: `${app.stage}-${name}`,
      shardCount: 2,
      retentionPeriod: Duration.hours(24),
      encryption: StreamEncryption.MANAGED,
    });
  const raw = stream("Raw", STREAMS.raw);
  const validated = stream("Validated", STREAMS.validated);

  const ruleRole = new Role(stack, "TelemetryRuleRole", {
    assumedBy: new ServicePrincipal("iot.amazonaws.com"),
  });
  raw.grantWrite(ruleRole);
  storage.ruleErrors.grantSendMessages(ruleRole);
  // Only this stage's things: stages sharing an account never ingest each other's devices.
  const rule = stageTelemetryRule(stageNames(app.stage).thingPrefix);
  const [kinesisAction] = rule.actions;
  if (!kinesisAction || !("kinesis" in kinesisAction))
    throw new Error("the telemetry rule's first action must be kinesis");
  new CfnTopicRule(stack, "TelemetryRule", {
    // IoT rule names allow letters, digits and underscores only.
    ruleName: `${app.stage.replace(/[^A-Za-z0-9]/g, "_")}_fleetline_${rule.name}`,
    topicRulePayload: {
      sql: rule.sql,
      awsIotSqlVersion: "2016-03-23",
      ruleDisabled: false,
      actions: [
        {
          kinesis: {
            streamName: raw.streamName,
            partitionKey: kinesisAction.kinesis.partitionKey,
            roleArn: ruleRole.roleArn,
          },
        },
      ],
      errorAction: {
        sqs: { queueUrl: storage.ruleErrors.queueUrl, roleArn: ruleRole.roleArn, useBase64: false },
      },
    },
  });

  const validate = new LambdaFunction(stack, "Validate", {
    handler: "packages/functions/src/entry-points/validate.handler",
    timeout: FUNCTION_TIMEOUT_S.stream,
    environment: { VALIDATED_STREAM: validated.streamName, QUARANTINE_TABLE: storage.quarantine.tableName },
  });
  validated.grantWrite(validate);
  storage.quarantine.grantReadWriteData(validate);
  consumeStream(stack, validate, raw, storage.deadLetters);

  const { telemetry } = storage;
  const store = new LambdaFunction(stack, "Store", {
    handler: "packages/functions/src/entry-points/store.handler",
    timeout: FUNCTION_TIMEOUT_S.stream,
    environment: {
      FLEETLINE_TELEMETRY: telemetry.target,
      QUARANTINE_TABLE: storage.quarantine.tableName,
      ...(telemetry.target === "lake"
        ? { DELIVERY_STREAM: telemetry.lake.delivery.ref, LATEST_TABLE: telemetry.latest.tableName }
        : { TIMESTREAM_DATABASE: telemetry.timestream.database.ref, TIMESTREAM_TABLE: "telemetry" }),
    },
  });
  if (telemetry.target === "lake") {
    store.attachPermissions([
      new PolicyStatement({
        actions: ["firehose:PutRecordBatch"],
        resources: [telemetry.lake.delivery.attrArn],
      }),
      new PolicyStatement({ actions: ["dynamodb:PutItem"], resources: [telemetry.latest.tableArn] }),
    ]);
  } else {
    store.attachPermissions(telemetry.timestream.statements("timestream:WriteRecords"));
  }
  storage.quarantine.grantReadWriteData(store);
  consumeStream(stack, store, validated, storage.deadLetters);

  stack.addOutputs({ RawStream: raw.streamName, ValidatedStream: validated.streamName });
  return { raw, validated, validate, store };
}
