import { filterCovers, topicMatches } from "../aws/topic-filter.js";
import { isDeviceType, isThingName, RESERVED_THING_NAMES } from "./device-types.js";

/**
 * Fleet provisioning by claim for Fleetline's devices (docs/guide/provisioning.md): the template a
 * stage (or fleetline dev) registers devices with, what a claim certificate may do, and the
 * pre-provisioning hook's review of a device's parameters.
 */

/** fleetline dev's names for what a stage names after itself: no prefix, one fleet. */
export const LOCAL_FLEET_NAMES = {
  thingPrefix: "",
  fleet: "fleetline",
  devicePolicy: "fleetline-devices",
  provisioningTemplate: "fleetline-fleet",
} as const;

/**
 * The template: a device names itself (`ThingName`, with the stage's prefix) and says its type
 * (`DeviceType`); it gets a thing with the `type` and `fleet` attributes every Fleetline thing has,
 * its certificate active, and the device policy.
 */
export function fleetTemplateBody(names: { fleet: string; devicePolicy: string }): string {
  return JSON.stringify({
    Parameters: {
      ThingName: { Type: "String" },
      DeviceType: { Type: "String" },
      "AWS::IoT::Certificate::Id": { Type: "String" },
    },
    Resources: {
      thing: {
        Type: "AWS::IoT::Thing",
        Properties: {
          ThingName: { Ref: "ThingName" },
          AttributePayload: { type: { Ref: "DeviceType" }, fleet: names.fleet },
        },
      },
      certificate: {
        Type: "AWS::IoT::Certificate",
        Properties: { CertificateId: { Ref: "AWS::IoT::Certificate::Id" }, Status: "ACTIVE" },
      },
      policy: { Type: "AWS::IoT::Policy", Properties: { PolicyName: names.devicePolicy } },
    },
  });
}

/** Who holds a claim certificate: the claim (its certificate's id) and the one template it may provision with. */
export interface ClaimIdentity {
  claim: string;
  templateName: string;
}

const CERTIFICATES = "$aws/certificates";
const PROVISION = "$aws/provisioning-templates/${template}/provision/json";

/**
 * What a claim certificate may do: ask for a certificate and register with its template — nothing
 * else (no telemetry, no shadows). The stacks' claim policy is generated from it.
 */
export const CLAIM_POLICY = {
  publish: [`${CERTIFICATES}/create/json`, `${CERTIFICATES}/create-from-csr/json`, PROVISION],
  subscribe: [
    `${CERTIFICATES}/create/json/+`,
    `${CERTIFICATES}/create-from-csr/json/+`,
    `${PROVISION}/accepted`,
    `${PROVISION}/rejected`,
  ],
} as const;

const bind = (template: string, provisioningTemplate: string) =>
  template.replaceAll("${template}", provisioningTemplate);

/** May a claim for `template` publish on `topic`? */
export function mayClaimPublish(template: string, topic: string): boolean {
  return CLAIM_POLICY.publish.some((filter) => topicMatches(bind(filter, template), topic));
}

/** May a claim for `template` subscribe to `filter`? */
export function mayClaimSubscribe(template: string, filter: string): boolean {
  return CLAIM_POLICY.subscribe.some((granted) => filterCovers(bind(granted, template), filter));
}

/** A name shaped as a stage's thing is (`prod_…`): `_` follows a stage name only there. */
const STAGE_THING = /^[a-z][a-z0-9-]{0,19}_/;

/** Whether `thing` is one of the stage whose things carry `thingPrefix` (and no other stage's prefix). */
export function isStageThing(thing: string, thingPrefix: string): boolean {
  return thing.startsWith(thingPrefix) && !STAGE_THING.test(thing.slice(thingPrefix.length));
}

/**
 * The pre-provisioning hook's review (run as a function locally and on AWS): a device may register
 * only a thing of this stage — its name carries `thingPrefix` and no other stage's — of a known type.
 * Returns why not, or undefined to allow it.
 */
export function whyRefuseProvisioning(
  parameters: Record<string, string>,
  thingPrefix: string,
): string | undefined {
  const thing = parameters.ThingName;
  if (!isThingName(thing)) return `ThingName "${thing ?? ""}" must match [A-Za-z0-9_-]{1,64}`;
  if (RESERVED_THING_NAMES.has(thing.toLowerCase())) return `ThingName "${thing}" is reserved`;
  if (!isStageThing(thing, thingPrefix))
    return `ThingName "${thing}" is another stage's thing${thingPrefix ? `; this stage's things start with ${thingPrefix}` : ""}`;
  if (!isDeviceType(parameters.DeviceType))
    return `DeviceType "${parameters.DeviceType ?? ""}" is not a Fleetline device type`;
  return undefined;
}
