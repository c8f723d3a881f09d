import { stageNames } from "@fleetline/core/devices";
import {
  CONFIRMATION_RULE_NAME,
  FUNCTION_TIMEOUT_S,
  PRESENCE_RULE_NAME,
  SWEEP_SCHEDULE,
  stageConfirmationRule,
  stagePresenceRule,
} from "@fleetline/core/pipeline";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { CfnTopicRule } from "aws-cdk-lib/aws-iot";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from "aws-cdk-lib/custom-resources";
import { Cron, Function as LambdaFunction, type StackContext, use } from "sst/constructs";
import { Ingest } from "./Ingest.js";
import { settingsOf } from "./lib/settings.js";
import { consumeStream } from "./lib/stream-consumer.js";
import { Storage } from "./Storage.js";

/**
 * The alarm side: the alerts function (alarms, alert records over MQTT and SNS, shadow commands,
 * through each alarm's outbox), the command-confirmation rule and its confirm function, and the
 * sweep on a schedule (commands past their deadline, effects still owed).
 */
export function Alerts({ stack, app }: StackContext) {
  const storage = use(Storage);
  const { validated } = use(Ingest);
  const topic = new Topic(stack, "AlertsTopic", { topicName: `${app.stage}-fleetline-alerts` });
  const email = settingsOf(app).alertEmail;
  if (email !== undefined) topic.addSubscription(new EmailSubscription(email));

  // The account's IoT data endpoint, for the IoT Data Plane client.
  const endpoint = new AwsCustomResource(stack, "IotDataEndpoint", {
    onUpdate: {
      service: "Iot",
      action: "describeEndpoint",
      parameters: { endpointType: "iot:Data-ATS" },
      physicalResourceId: PhysicalResourceId.of("iot-data-endpoint"),
    },
    policy: AwsCustomResourcePolicy.fromSdkCalls({ resources: AwsCustomResourcePolicy.ANY_RESOURCE }),
  });
  const dataEndpoint = endpoint.getResponseField("endpointAddress");
  const { thingPrefix } = stageNames(app.stage);
  const arn = (resource: string) => `arn:${stack.partition}:iot:${stack.region}:${stack.account}:${resource}`;

  // The alerts function and the sweep carry out the same effects: alarms, commands, shadows, alerts.
  const alarmPorts = (fn: LambdaFunction) => {
    fn.addEnvironment("ALARMS_TABLE", storage.alarms.tableName);
    fn.addEnvironment("COMMANDS_TABLE", storage.commands.tableName);
    fn.addEnvironment("ALERTS_TOPIC_ARN", topic.topicArn);
    fn.addEnvironment("IOT_DATA_ENDPOINT", dataEndpoint);
    storage.alarms.grantReadWriteData(fn);
    storage.commands.grantReadWriteData(fn);
    topic.grantPublish(fn);
    fn.attachPermissions([
      // The shadows of this stage's things only: they are named with its prefix.
      new PolicyStatement({
        actions: ["iot:GetThingShadow", "iot:UpdateThingShadow"],
        resources: [arn(`thing/${thingPrefix}*`)],
      }),
      // Alert records go to this stage's things only: alerts/fleetline/{type}/{thing}.
      new PolicyStatement({
        actions: ["iot:Publish"],
        resources: [arn(`topic/alerts/fleetline/*/${thingPrefix}*`)],
      }),
    ]);
    return fn;
  };

  const alerts = alarmPorts(
    new LambdaFunction(stack, "AlertsFunction", {
      handler: "packages/functions/src/entry-points/alerts.handler",
      timeout: FUNCTION_TIMEOUT_S.stream,
    }),
  );
  consumeStream(stack, alerts, validated, storage.deadLetters);

  const sweep = alarmPorts(
    new LambdaFunction(stack, "SweepFunction", {
      handler: "packages/functions/src/entry-points/sweep.handler",
      timeout: FUNCTION_TIMEOUT_S.sweep,
    }),
  );
  // The OFFLINE alarm reads every device's presence.
  sweep.addEnvironment("PRESENCE_TABLE", storage.presence.tableName);
  storage.presence.grantReadData(sweep);
  new Cron(stack, "Sweep", { schedule: SWEEP_SCHEDULE.rate, job: { function: sweep } });

  // Each shadow document of this stage's things → the confirm function, asynchronously; an event
  // its retries could not deliver goes to the dead-letter queue (the sweep still checks the shadow
  // at the command's deadline).
  // Its asynchronous-invocation settings are props, not configureAsyncInvoke: under `sst dev` SST
  // sets retryAttempts 0 on every function itself, and a second configuration fails synthesis.
  const confirm = new LambdaFunction(stack, "ConfirmFunction", {
    handler: "packages/functions/src/entry-points/confirm.handler",
    timeout: FUNCTION_TIMEOUT_S.confirm,
    environment: { COMMANDS_TABLE: storage.commands.tableName },
    onFailure: new SqsDestination(storage.deadLetters),
    retryAttempts: 2,
  });
  storage.commands.grantReadWriteData(confirm);
  const rule = stageConfirmationRule(thingPrefix);
  const errorRole = new Role(stack, "ConfirmationRuleRole", {
    assumedBy: new ServicePrincipal("iot.amazonaws.com"),
  });
  storage.ruleErrors.grantSendMessages(errorRole);
  const confirmation = new CfnTopicRule(stack, "ConfirmationRule", {
    // IoT rule names allow letters, digits and underscores only.
    ruleName: `${app.stage.replace(/[^A-Za-z0-9]/g, "_")}_fleetline_${CONFIRMATION_RULE_NAME}`,
    topicRulePayload: {
      sql: rule.sql,
      awsIotSqlVersion: "2016-03-23",
      ruleDisabled: false,
      actions: [{ lambda: { functionArn: confirm.functionArn } }],
      errorAction: {
        sqs: { queueUrl: storage.ruleErrors.queueUrl, roleArn: errorRole.roleArn, useBase64: false },
      },
    },
  });
  confirm.addPermission("InvokedByConfirmationRule", {
    principal: new ServicePrincipal("iot.amazonaws.com"),
    sourceArn: confirmation.attrArn,
    sourceAccount: stack.account,
  });

  // Each connect and disconnect of this stage's things → the presence function (docs/guide/operate.md,
  // "Presence"), asynchronously, as the confirm function; a lost event is overtaken by the next.
  const presence = new LambdaFunction(stack, "PresenceFunction", {
    handler: "packages/functions/src/entry-points/presence.handler",
    timeout: FUNCTION_TIMEOUT_S.presence,
    environment: { PRESENCE_TABLE: storage.presence.tableName },
    onFailure: new SqsDestination(storage.deadLetters),
    retryAttempts: 2,
  });
  storage.presence.grantReadWriteData(presence);
  // A thing's type (its attributes), once, when its presence is first kept.
  presence.attachPermissions([
    new PolicyStatement({ actions: ["iot:DescribeThing"], resources: [arn(`thing/${thingPrefix}*`)] }),
  ]);
  const presenceRule = new CfnTopicRule(stack, "PresenceRule", {
    ruleName: `${app.stage.replace(/[^A-Za-z0-9]/g, "_")}_fleetline_${PRESENCE_RULE_NAME}`,
    topicRulePayload: {
      sql: stagePresenceRule(thingPrefix).sql,
      awsIotSqlVersion: "2016-03-23",
      ruleDisabled: false,
      actions: [{ lambda: { functionArn: presence.functionArn } }],
      errorAction: {
        sqs: { queueUrl: storage.ruleErrors.queueUrl, roleArn: errorRole.roleArn, useBase64: false },
      },
    },
  });
  presence.addPermission("InvokedByPresenceRule", {
    principal: new ServicePrincipal("iot.amazonaws.com"),
    sourceArn: presenceRule.attrArn,
    sourceAccount: stack.account,
  });

  stack.addOutputs({ AlertsTopic: topic.topicArn });
  return { topic, dataEndpoint, alerts, confirm, presence };
}
