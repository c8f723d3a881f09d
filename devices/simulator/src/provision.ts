import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  type IoTClient,
  ResourceAlreadyExistsException,
} from "@aws-sdk/client-iot";
import type { FaultProfile } from "./chaos.js";
import { certFiles } from "./credentials.js";
import { type FleetType, planFleet } from "./fleet.js";

export interface ProvisionOptions {
  things: number;
  type: FleetType;
  prefix: string;
  /** The IoT policy the Devices stack created, attached to every certificate. */
  policyName: string;
  out: string;
}

export interface ProvisionedThing {
  thing: string;
  type: string;
  certificateArn: string;
}

/**
 * Creates the simulator's things in AWS IoT Core — thing (with its `type` attribute, which the IoT
 * policy reads), an active certificate, the policy and thing attachments — and writes each
 * certificate and key where `fleetline simulate --target aws --certs DIR` reads them.
 */
export async function provisionThings(
  iot: IoTClient,
  options: ProvisionOptions,
): Promise<ProvisionedThing[]> {
  const faults: FaultProfile = "none";
  const fleet = planFleet({
    devices: options.things,
    type: options.type,
    seed: "provision",
    prefix: options.prefix,
    faults,
  });
  const provisioned: ProvisionedThing[] = [];
  for (const device of fleet) {
    try {
      await iot.send(
        new CreateThingCommand({
          thingName: device.thing,
          attributePayload: { attributes: { type: device.type } },
        }),
      );
    } catch (error) {
      // Re-running provision adds a certificate to an existing thing.
      if (!(error instanceof ResourceAlreadyExistsException)) throw error;
    }
    const created = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    const certificateArn = created.certificateArn as string;
    await iot.send(new AttachPolicyCommand({ policyName: options.policyName, target: certificateArn }));
    await iot.send(new AttachThingPrincipalCommand({ thingName: device.thing, principal: certificateArn }));
    const files = certFiles(options.out, device.thing);
    await writeFile(files.certPath, created.certificatePem ?? "");
    await writeFile(files.keyPath, created.keyPair?.PrivateKey ?? "", { mode: 0o600 });
    provisioned.push({ thing: device.thing, type: device.type, certificateArn });
  }
  await writeFile(join(options.out, "things.json"), `${JSON.stringify(provisioned, null, 2)}\n`);
  return provisioned;
}
