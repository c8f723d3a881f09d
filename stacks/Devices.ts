import { DEVICE_POLICY, stageNames } from "@fleetline/core/devices";
import { CfnPolicy } from "aws-cdk-lib/aws-iot";
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

/** The IoT policy `fleetline provision` attaches to every device certificate. */
export function Devices({ stack, app }: StackContext) {
  const policy = new CfnPolicy(stack, "DevicePolicy", {
    policyName: stageNames(app.stage).devicePolicy,
    policyDocument: devicePolicyDocument(stack.partition, stack.region, stack.account),
  });
  stack.addOutputs({ DevicePolicy: policy.ref });
  return { policy };
}
