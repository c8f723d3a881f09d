import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  AwsIotTransport,
  type CertificateFiles,
  type CertificatePems,
  MqttTransport,
  provisionByClaim,
  type Transport,
} from "@fleetline/device-client";
import type { SimulatedDevice } from "./fleet.js";

export interface LocalTarget {
  kind: "local";
  /** The runtime's HTTP API, e.g. http://127.0.0.1:8080 */
  url: string;
  apiToken?: string;
  /** Connect over mutual TLS with a certificate per device (fleetline dev's mqtts port), as firmware does on AWS. */
  mtls?: boolean;
  /** Each device provisions itself from one claim (fleet provisioning), then connects with its own certificate. */
  provisionByClaim?: boolean;
}

export interface AwsTarget {
  kind: "aws";
  endpoint: string;
  /** 8883 unless given (`fleetline dev --mqtts-port`). */
  port?: number;
  /**
   * Written by `fleetline provision`: `{thing}.cert.pem` and `{thing}.private.key`; an
   * `AmazonRootCA1.pem` beside them is used when present, else the system's trust store.
   */
  certsDir: string;
  /**
   * Provision each device from the claim in `certsDir` (`claim.cert.pem`, `claim.private.key`)
   * with this template, writing its certificate there, instead of reading one.
   */
  provisionByClaim?: { templateName: string };
}

export type Target = LocalTarget | AwsTarget;

/** The certificate files of one thing in a provisioned directory. */
export function certFiles(certsDir: string, thing: string) {
  return {
    certPath: join(certsDir, `${thing}.cert.pem`),
    keyPath: join(certsDir, `${thing}.private.key`),
    caPath: join(certsDir, "AmazonRootCA1.pem"),
    /** `fleetline dev`'s CA, written by `fleetline devices add --certs`. */
    localCaPath: join(certsDir, "fleetline-ca.pem"),
  };
}

/** Names the first missing certificate file of the fleet, if any: checked before connecting. */
export function missingCertificate(certsDir: string, things: string[]): string | undefined {
  for (const thing of things) {
    const files = certFiles(certsDir, thing);
    for (const path of [files.certPath, files.keyPath]) if (!existsSync(path)) return path;
  }
  return undefined;
}

/** A request to `fleetline dev`'s API: JSON, the operator's token if any; any status answered. */
export async function localApi(target: LocalTarget, path: string, init: RequestInit = {}): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (target.apiToken) headers.authorization = `Bearer ${target.apiToken}`;
  try {
    return await fetch(`${target.url}${path}`, { ...init, headers });
  } catch {
    throw new Error(`cannot reach fleetline at ${target.url}; is \`fleetline dev\` running?`);
  }
}

interface IssuedCertificate {
  certificatePem: string;
  privateKey: string;
  caPem: string;
}

/**
 * Registers a simulated thing with the local runtime (re-registering it if it exists) and returns
 * its credential: a token, or with `mtls` a certificate, its key and the CA.
 */
async function register(target: LocalTarget, device: SimulatedDevice): Promise<string>;
async function register(target: LocalTarget, device: SimulatedDevice, mtls: true): Promise<IssuedCertificate>;
async function register(
  target: LocalTarget,
  device: SimulatedDevice,
  mtls?: true,
): Promise<string | IssuedCertificate> {
  const body = JSON.stringify({
    thing: device.thing,
    type: device.type,
    ...(mtls ? { credentials: "certificate" } : {}),
  });
  let response = await localApi(target, "/api/things", { method: "POST", body });
  if (response.status === 409) {
    // Tokens are shown once: a simulated device from an earlier run gets a new one — unless the
    // name is connected now, another fleet's device that this one would lock out.
    const existing = (await (await localApi(target, `/api/devices/${device.thing}`)).json()) as {
      connected?: boolean | null;
    };
    if (existing.connected)
      throw new Error(
        `${device.thing} is registered and connected now — another simulator, or fleetline dev's own devices? Choose other names with --prefix`,
      );
    await localApi(target, `/api/things/${device.thing}`, { method: "DELETE" });
    response = await localApi(target, "/api/things", { method: "POST", body });
  }
  if (response.status !== 201)
    throw new Error(`registering ${device.thing} failed: ${response.status} ${await response.text()}`);
  const created = (await response.json()) as { token: string } & IssuedCertificate;
  return mtls ? created : created.token;
}

/** Each device with a certificate from fleetline dev's CA, on its mutual-TLS port. */
async function mtlsTransports(target: LocalTarget, devices: SimulatedDevice[]): Promise<Transport[]> {
  const { mqttsUrl } = (await (await localApi(target, "/api/info")).json()) as { mqttsUrl?: string };
  if (!mqttsUrl) throw new Error(`fleetline at ${target.url} has no mutual-TLS port (--mqtts-port)`);
  const { hostname, port } = new URL(mqttsUrl);
  const transports: Transport[] = [];
  for (let i = 0; i < devices.length; i += 20) {
    const batch = devices.slice(i, i + 20);
    const issued = await Promise.all(batch.map((device) => register(target, device, true)));
    batch.forEach((device, j) => {
      const { certificatePem, privateKey, caPem } = issued[j] as IssuedCertificate;
      transports.push(
        new AwsIotTransport({
          endpoint: hostname,
          port: Number(port),
          clientId: device.thing,
          certPem: certificatePem,
          keyPem: privateKey,
          caPem,
        }),
      );
    });
  }
  return transports;
}

/** A claim for fleetline dev's fleet template (CreateProvisioningClaim), and where its mTLS port is. */
async function localClaim(target: LocalTarget) {
  const info = (await (await localApi(target, "/api/info")).json()) as { mqttsUrl?: string; caPem?: string };
  if (!info.mqttsUrl) throw new Error(`fleetline at ${target.url} has no mutual-TLS port (--mqtts-port)`);
  const response = await localApi(target, "/provisioning-templates/fleetline-fleet/provisioning-claim", {
    method: "POST",
    body: "{}",
  });
  if (response.status !== 200)
    throw new Error(`CreateProvisioningClaim failed: ${response.status} ${await response.text()}`);
  const claim = (await response.json()) as { certificatePem: string; keyPair: { PrivateKey: string } };
  const { hostname, port } = new URL(info.mqttsUrl);
  return {
    endpoint: hostname,
    port: Number(port),
    claim: { certPem: claim.certificatePem, keyPem: claim.keyPair.PrivateKey, caPem: info.caPem },
    templateName: "fleetline-fleet",
  };
}

/**
 * Each device provisions itself with the claim (its client id `claim-<thing>`: a claim may not use a
 * thing's), then connects as its thing with the certificate it was given, 20 at a time.
 */
async function claimTransports(
  devices: SimulatedDevice[],
  from: { endpoint: string; port?: number; claim: CertificatePems | CertificateFiles; templateName: string },
  keep?: (thing: string, certificatePem: string, privateKey: string) => Promise<void>,
): Promise<Transport[]> {
  const transports: Transport[] = [];
  const ca =
    "caPem" in from.claim && from.claim.caPem
      ? { caPem: from.claim.caPem }
      : "caPath" in from.claim && from.claim.caPath
        ? { caPem: await readFile(from.claim.caPath, "utf8") }
        : {};
  for (let i = 0; i < devices.length; i += 20) {
    const batch = devices.slice(i, i + 20);
    const provisioned = await Promise.all(
      batch.map((device) =>
        provisionByClaim({
          endpoint: from.endpoint,
          ...(from.port ? { port: from.port } : {}),
          claim: from.claim,
          clientId: `claim-${device.thing}`,
          templateName: from.templateName,
          parameters: { ThingName: device.thing, DeviceType: device.type },
        }),
      ),
    );
    for (const [j, device] of batch.entries()) {
      const { certificatePem, privateKey } = provisioned[j] as (typeof provisioned)[number];
      await keep?.(device.thing, certificatePem, privateKey);
      transports.push(
        new AwsIotTransport({
          endpoint: from.endpoint,
          ...(from.port ? { port: from.port } : {}),
          clientId: device.thing,
          certPem: certificatePem,
          keyPem: privateKey,
          ...ca,
        }),
      );
    }
  }
  return transports;
}

/** One transport per device, for the target: registered with the local runtime, or with its AWS certificate. */
export async function transportsFor(target: Target, devices: SimulatedDevice[]): Promise<Transport[]> {
  if (target.kind === "aws" && target.provisionByClaim) {
    const dir = target.certsDir;
    const localCa = join(dir, "fleetline-ca.pem");
    const rootCa = join(dir, "AmazonRootCA1.pem");
    const caPath = existsSync(localCa) ? localCa : existsSync(rootCa) ? rootCa : undefined;
    return claimTransports(
      devices,
      {
        endpoint: target.endpoint,
        ...(target.port ? { port: target.port } : {}),
        claim: {
          certPath: join(dir, "claim.cert.pem"),
          keyPath: join(dir, "claim.private.key"),
          ...(caPath ? { caPath } : {}),
        },
        templateName: target.provisionByClaim.templateName,
      },
      // Kept as fleetline provision writes them: the next run connects with them, no claim needed.
      async (thing, certificatePem, privateKey) => {
        const files = certFiles(dir, thing);
        await writeFile(files.certPath, certificatePem);
        await writeFile(files.keyPath, privateKey, { mode: 0o600 });
      },
    );
  }
  if (target.kind === "aws") {
    return devices.map((device) => {
      const { certPath, keyPath, caPath, localCaPath } = certFiles(target.certsDir, device.thing);
      // fleetline dev's CA or the Amazon root CA beside the certificates, else the system's trust store.
      const ca = existsSync(localCaPath) ? { caPath: localCaPath } : existsSync(caPath) ? { caPath } : {};
      return new AwsIotTransport({
        endpoint: target.endpoint,
        clientId: device.thing,
        certPath,
        keyPath,
        ...ca,
        ...(target.port ? { port: target.port } : {}),
      });
    });
  }
  if (target.provisionByClaim) return claimTransports(devices, await localClaim(target));
  if (target.mtls) return mtlsTransports(target, devices);
  const info = (await (await localApi(target, "/api/info")).json()) as { mqttUrl: string };
  const transports: Transport[] = [];
  for (let i = 0; i < devices.length; i += 20) {
    const batch = devices.slice(i, i + 20);
    const tokens = await Promise.all(batch.map((device) => register(target, device)));
    batch.forEach((device, j) => {
      transports.push(
        new MqttTransport({
          url: info.mqttUrl,
          clientId: device.thing,
          username: device.thing,
          password: tokens[j] as string,
        }),
      );
    });
  }
  return transports;
}
