import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DeviceType } from "@fleetline/core/devices";
import type { FaultProfile } from "./chaos.js";
import { certFiles } from "./credentials.js";
import { type FleetType, planFleet } from "./fleet.js";

export interface ProvisionOptions {
  things: number;
  type: FleetType;
  prefix: string;
  out: string;
}

export interface ProvisionedThing {
  thing: string;
  type: string;
  certificateArn: string;
}

interface Certificate {
  certificateArn: string;
  certificatePem: string;
  privateKey: string;
}

/** What provisioning needs of the AWS IoT registry (`IotThingRegistry` of @fleetline/functions). */
export interface CertificateRegistry {
  /** Creates the thing and its certificate; throws CONFLICT when the thing exists. */
  register(thing: string, type: DeviceType): Promise<Certificate>;
  issueCertificate(thing: string): Promise<Certificate>;
}

/**
 * Creates the simulator's things in AWS IoT Core through the registry — thing with its `type`
 * attribute (which the IoT policy reads), an active certificate with the device policy — and writes
 * each certificate and key where `fleetline simulate --target aws --certs DIR` reads them.
 */
export async function provisionThings(
  registry: CertificateRegistry,
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
    let certificate: Certificate;
    try {
      certificate = await registry.register(device.thing, device.type);
    } catch (error) {
      // Re-running provision adds a certificate to an existing thing.
      if ((error as { code?: string }).code !== "CONFLICT") throw error;
      certificate = await registry.issueCertificate(device.thing);
    }
    const files = certFiles(options.out, device.thing);
    await writeFile(files.certPath, certificate.certificatePem);
    await writeFile(files.keyPath, certificate.privateKey, { mode: 0o600 });
    provisioned.push({ thing: device.thing, type: device.type, certificateArn: certificate.certificateArn });
  }
  await writeFile(join(options.out, "things.json"), `${JSON.stringify(provisioned, null, 2)}\n`);
  return provisioned;
}
