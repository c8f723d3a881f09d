import { DEVICE_POLICY, stageNames } from "@fleetline/core/devices";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { CfnPolicy } from "aws-cdk-lib/aws-iot";
import { BlockPublicAccess, Bucket, BucketEncryption } from "aws-cdk-lib/aws-s3";
import type { StackContext } from "sst/constructs";

/** The local broker's policy (core's DEVICE_POLICY), as an IoT policy: `${thing}` is the connected thing. */
export function devicePolicyDocument(partition: string, region: string, account: string) {
  const arn = (kind: string, name: string) => `arn:${partition}:iot:${region}:${account}:${kind}/${name}`;
  // MQTT wildcards become policy wildcards; the thing and its type come from the connection.
  const bind = (template: string) =>
    template
      .replaceAll("${thing}", "${iot:Connection.Thing.ThingName}")
      .replaceAll("${type}", "${iot:Connection.Thing.Attributes[type]}")
      .replaceAll("+", "*");
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["iot:Connect"],
        Resource: [arn("client", "${iot:Connection.Thing.ThingName}")],
      },
      {
        Effect: "Allow",
        Action: ["iot:Publish"],
        Resource: DEVICE_POLICY.publish.map((t) => arn("topic", bind(t))),
      },
      {
        Effect: "Allow",
        Action: ["iot:RetainPublish"],
        Resource: DEVICE_POLICY.retain.map((t) => arn("topic", bind(t))),
      },
      {
        Effect: "Allow",
        Action: ["iot:Subscribe"],
        Resource: DEVICE_POLICY.subscribe.map((t) => arn("topicfilter", bind(t))),
      },
      {
        Effect: "Allow",
        Action: ["iot:Receive"],
        Resource: DEVICE_POLICY.subscribe.map((t) => arn("topic", bind(t))),
      },
    ],
  };
}

/**
 * The IoT policy `fleetline provision` attaches to every device certificate (its jobs topics
 * included), and what over-the-air updates need on AWS (docs/guide/jobs.md): a private bucket for
 * job documents and firmware images, and the role AWS IoT Jobs assumes to presign their URLs — a job
 * document's `${aws:iot:s3-presigned-url:https://<bucket>.s3.amazonaws.com/<key>}` becomes a URL the
 * device can download for an hour, with no AWS credentials of its own.
 */
export function Devices({ stack, app }: StackContext) {
  const policy = new CfnPolicy(stack, "DevicePolicy", {
    policyName: stageNames(app.stage).devicePolicy,
    policyDocument: devicePolicyDocument(stack.partition, stack.region, stack.account),
  });
  const updates = new Bucket(stack, "UpdatesBucket", {
    encryption: BucketEncryption.S3_MANAGED,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    versioned: true,
    // As the stage's other data: kept with prod, removed with any other stage (once emptied).
    removalPolicy: app.stage === "prod" ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    lifecycleRules: [
      { noncurrentVersionExpiration: Duration.days(30) },
      { abortIncompleteMultipartUploadAfter: Duration.days(1) },
    ],
  });
  const presign = new Role(stack, "JobsPresignRole", {
    assumedBy: new ServicePrincipal("iot.amazonaws.com"),
    description: "AWS IoT Jobs presigns download URLs of this stage's updates bucket",
  });
  presign.addToPolicy(
    new PolicyStatement({ actions: ["s3:GetObject"], resources: [updates.arnForObjects("*")] }),
  );
  stack.addOutputs({
    DevicePolicy: policy.ref,
    UpdatesBucket: updates.bucketName,
    JobsPresignRole: presign.roleArn,
  });
  return { policy, updates, presign };
}
