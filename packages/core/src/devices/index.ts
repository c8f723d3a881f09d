// Devices: the device types and thing names, the device policy, their topics, stage naming and the thing registry's port.
export {
  DEVICE_POLICY,
  type DeviceIdentity,
  devicePolicyFor,
  mayPublish,
  mayRetain,
  maySubscribe,
  whyPublishDenied,
} from "./device-policy.js";
export {
  DEVICE_TYPES,
  type DeviceType,
  deviceTypeList,
  isDeviceType,
  isThingName,
  RESERVED_THING_NAMES,
  RUNTIME_IDENTITIES,
} from "./device-types.js";
export {
  CLAIM_POLICY,
  type ClaimIdentity,
  fleetTemplateBody,
  isStageThing,
  LOCAL_FLEET_NAMES,
  mayClaimPublish,
  mayClaimSubscribe,
  whyRefuseProvisioning,
} from "./fleet-provisioning.js";
export { type DevicePresence, type PresenceOutcome, type PresenceStore, recordPresence } from "./presence.js";
export { isAwsRegion, isStageName, STAGE_NAME_RULE, stageNames, stageRegion } from "./stage.js";
export {
  type CredentialKind,
  checkRegistration,
  type DeviceCredential,
  type IssuedCertificate,
  type RegisteredThing,
  type ThingRegistry,
} from "./thing-registry.js";
export { alertTopic, type ShadowOperation, shadowTopic, telemetryTopic } from "./topics.js";
