import { stageNames } from "@fleetline/core";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from "aws-cdk-lib/custom-resources";
import { Function as LambdaFunction, type StackContext, use } from "sst/constructs";
import { Ingest } from "./Ingest.js";
import { consumeStream } from "./lib/stream-consumer.js";
import { Storage } from "./Storage.js";

/** The alerts function: alarms, alert records over MQTT and SNS, shadow commands to devices. */
export function Alerts({ stack, app }: StackContext) {
  const storage = use(Storage);
  const { validated } = use(Ingest);
  const topic = new Topic(stack, "AlertsTopic", { topicName: `${app.stage}-fleetline-alerts` });
  const email = process.env.FLEETLINE_ALERT_EMAIL;
  if (email !== undefined) {
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email))
      throw new Error(`FLEETLINE_ALERT_EMAIL is not an e-mail address: "${email}"`);
    topic.addSubscription(new EmailSubscription(email));
  }

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

  const alerts = new LambdaFunction(stack, "AlertsFunction", {
    handler: "packages/functions/src/lambda/alerts.handler",
    timeout: 60,
    environment: {
      ALARMS_TABLE: storage.alarms.tableName,
      COMMANDS_TABLE: storage.commands.tableName,
      ALERTS_TOPIC_ARN: topic.topicArn,
      IOT_DATA_ENDPOINT: endpoint.getResponseField("endpointAddress"),
    },
  });
  storage.alarms.grantReadWriteData(alerts);
  storage.commands.grantReadWriteData(alerts);
  topic.grantPublish(alerts);
  const arn = (resource: string) => `arn:${stack.partition}:iot:${stack.region}:${stack.account}:${resource}`;
  alerts.attachPermissions([
    // The shadows of this stage's things only: they are named with its prefix.
    new PolicyStatement({
      actions: ["iot:GetThingShadow", "iot:UpdateThingShadow"],
      resources: [arn(`thing/${stageNames(app.stage).thingPrefix}*`)],
    }),
    new PolicyStatement({ actions: ["iot:Publish"], resources: [arn("topic/alerts/fleetline/*")] }),
  ]);
  consumeStream(stack, alerts, validated, storage.deadLetters);
  stack.addOutputs({ AlertsTopic: topic.topicArn });
  return { topic, dataEndpoint: endpoint.getResponseField("endpointAddress") };
}
