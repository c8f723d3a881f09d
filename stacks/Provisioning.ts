import { CLAIM_POLICY, fleetTemplateBody, stageNames } from "@fleetline/core/devices";
import { FUNCTION_TIMEOUT_S } from "@fleetline/core/pipeline";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { CfnPolicy, CfnProvisioningTemplate } from "aws-cdk-lib/aws-iot";
import { Function as LambdaFunction, type StackContext, use } from "sst/constructs";
import { Devices } from "./Devices.js";

/** core's CLAIM_POLICY as an IoT policy: a claim may provision with the stage's template, nothing else. */
export function claimPolicyDocument(partition: string, region: string, account: string, template: string) {
  const arn = (kind: string, name: string) => `arn:${partition}:iot:${region}:${account}:${kind}/${name}`;
  const bind = (filter: string) => filter.replaceAll("${template}", template).replaceAll("+", "*");
  return {
    Version: "2012-10-17",
    Statement: [
      // Any client id: a factory's devices share the claim, each under an id of its own.
      { Effect: "Allow", Action: ["iot:Connect"], Resource: [arn("client", "*")] },
      {
        Effect: "Allow",
        Action: ["iot:Publish"],
        Resource: CLAIM_POLICY.publish.map((t) => arn("topic", bind(t))),
      },
      {
        Effect: "Allow",
        Action: ["iot:Subscribe"],
        Resource: CLAIM_POLICY.subscribe.map((t) => arn("topicfilter", bind(t))),
      },
      {
        Effect: "Allow",
        Action: ["iot:Receive"],
        Resource: CLAIM_POLICY.subscribe.map((t) => arn("topic", bind(t))),
      },
    ],
  };
}

/**
 * Fleet provisioning by claim (docs/guide/provisioning.md): the stage's template — a device names its
 * thing (with the stage's prefix) and type, and gets a thing, its certificate active and the device
 * policy — behind the `provisioningHook` function, which refuses another stage's things; the role AWS
 * IoT provisions with, scoped to this stage's things; and the policy of claim certificates.
 */
export function Provisioning({ stack, app }: StackContext) {
  const devices = use(Devices);
  const names = stageNames(app.stage);
  const arn = (kind: string, name: string) =>
    `arn:${stack.partition}:iot:${stack.region}:${stack.account}:${kind}/${name}`;
  const hook = new LambdaFunction(stack, "ProvisioningHookFunction", {
    handler: "packages/functions/src/entry-points/provisioning-hook.handler",
    timeout: FUNCTION_TIMEOUT_S.provisioningHook,
  });
  hook.addPermission("InvokedByFleetProvisioning", {
    principal: new ServicePrincipal("iot.amazonaws.com"),
    sourceAccount: stack.account,
  });
  // What the template's resources need, on this stage's things and the device policy only: AWS IoT
  // refuses a template evaluated to another stage's thing even if the hook were to allow it.
  const role = new Role(stack, "ProvisioningRole", {
    assumedBy: new ServicePrincipal("iot.amazonaws.com"),
    description: "AWS IoT fleet provisioning registers this stage's things",
  });
  role.addToPolicy(
    new PolicyStatement({
      actions: ["iot:CreateThing", "iot:DescribeThing", "iot:UpdateThing", "iot:AttachThingPrincipal"],
      resources: [arn("thing", `${names.thingPrefix}*`)],
    }),
  );
  role.addToPolicy(
    new PolicyStatement({
      actions: ["iot:AttachPolicy", "iot:AttachPrincipalPolicy"],
      resources: [arn("policy", names.devicePolicy)],
    }),
  );
  role.addToPolicy(
    new PolicyStatement({
      actions: ["iot:UpdateCertificate", "iot:AttachPolicy"],
      resources: [arn("cert", "*")],
    }),
  );
  const template = new CfnProvisioningTemplate(stack, "FleetTemplate", {
    templateName: names.provisioningTemplate,
    description: "Fleetline's devices: a thing named ThingName of type DeviceType, with the device policy",
    enabled: true,
    provisioningRoleArn: role.roleArn,
    templateBody: fleetTemplateBody(names),
    preProvisioningHook: { targetArn: hook.functionArn, payloadVersion: "2020-04-01" },
    templateType: "FLEET_PROVISIONING",
  });
  template.node.addDependency(devices.policy);
  const claim = new CfnPolicy(stack, "ClaimPolicy", {
    policyName: names.claimPolicy,
    policyDocument: claimPolicyDocument(
      stack.partition,
      stack.region,
      stack.account,
      names.provisioningTemplate,
    ),
  });
  stack.addOutputs({ ProvisioningTemplate: names.provisioningTemplate, ClaimPolicy: claim.ref });
  return { template, claim, hook };
}
