import type { ApiApp } from "@fleetline/api";
import type { PreProvisioningHookResponse } from "@fleetline/core/aws";
import { fleetTemplateBody, LOCAL_FLEET_NAMES } from "@fleetline/core/devices";
import type { Database } from "../../stores/database.js";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "../../streams/kinesis/kinesis-client.js";
import type { LocalFunctions } from "../../streams/lambda/local-functions.js";
import type { LocalBroker } from "../broker/broker.js";
import type { MessageSource } from "../bus/message-source.js";
import type { CertificateAuthority } from "../registry/certificate-authority.js";
import type { DeviceRegistry } from "../registry/device-registry.js";
import { ProvisioningControlPlane } from "./provisioning-control-plane.js";
import { attachProvisioningMqtt } from "./provisioning-mqtt.js";
import { provisioningRoutes } from "./provisioning-routes.js";
import { ProvisioningService, type ProvisioningServiceOptions } from "./provisioning-service.js";
import { ProvisioningStore } from "./provisioning-store.js";

/** The function fleetline dev runs as its fleet template's pre-provisioning hook, as the stacks do. */
export const PROVISIONING_HOOK_FUNCTION = "provisioningHook";

export interface LocalProvisioningOptions {
  app: ApiApp;
  db: Database;
  ca: CertificateAuthority;
  registry: DeviceRegistry;
  /** The embedded broker: claims connect to it (mosquitto and an external broker know no claims). */
  broker: LocalBroker | undefined;
  source: MessageSource;
  functions: LocalFunctions;
  groups: ProvisioningServiceOptions["groups"];
  arn: (kind: string, name: string) => string;
  now: () => number;
}

/**
 * Fleet provisioning by claim in fleetline dev: the control plane's template and claim operations,
 * the MQTT API on the embedded broker, and the fleet template (`fleetline-fleet`, hooked to the
 * `provisioningHook` function) made on first start, as a stage's stacks make theirs.
 */
export async function startProvisioning(options: LocalProvisioningOptions): Promise<ProvisioningService> {
  const { app, ca, registry, functions, arn, now } = options;
  const store = await ProvisioningStore.open(options.db);
  const plane = new ProvisioningControlPlane({
    store,
    ca,
    arn,
    functionExists: (name) => functions.names().includes(name),
    now,
  });
  provisioningRoutes(app, plane);
  const service = new ProvisioningService({
    store,
    ca,
    registry,
    invokeHook: async (name, event) =>
      (await functions.invoke(name, event, "provisioning")) as PreProvisioningHookResponse,
    groups: options.groups,
    templateArn: (name) => arn("provisioningtemplate", name),
    thingPrefix: LOCAL_FLEET_NAMES.thingPrefix,
    devicePolicy: LOCAL_FLEET_NAMES.devicePolicy,
    now,
  });
  if (!store.templates.has(LOCAL_FLEET_NAMES.provisioningTemplate))
    await plane.create({
      templateName: LOCAL_FLEET_NAMES.provisioningTemplate,
      description: "Fleetline's devices: a thing named ThingName of type DeviceType, with the device policy",
      templateBody: fleetTemplateBody(LOCAL_FLEET_NAMES),
      enabled: true,
      provisioningRoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/fleetline-provisioning`,
      preProvisioningHook: {
        targetArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${PROVISIONING_HOOK_FUNCTION}`,
      },
    });
  const { broker } = options;
  if (broker) {
    broker.acceptClaims((fingerprint) => service.claim(fingerprint));
    await attachProvisioningMqtt(options.source, service, (clientId) => broker.claimOf(clientId));
  }
  return service;
}
