import { iotidentity, mqtt } from "aws-iot-device-sdk-v2";
import { AwsIotTransport, type CertificateFiles, type CertificatePems } from "./aws-iot-transport.js";

export interface ProvisionByClaimOptions {
  /** AWS IoT's data endpoint, or fleetline dev's mutual-TLS host. */
  endpoint: string;
  port?: number;
  /** The claim certificate and its key (and the CA to trust), shared by a batch of devices. */
  claim: CertificateFiles | CertificatePems;
  /** The client id to provision under: any but a registered thing's. */
  clientId: string;
  templateName: string;
  /** The template's parameters: Fleetline's fleet template takes ThingName and DeviceType. */
  parameters: Record<string, string>;
  /** How long to wait for each answer (default 30 s). */
  timeoutMs?: number;
}

/** What a device keeps after provisioning: its own certificate and key, and its thing's name. */
export interface ProvisionedDevice {
  thingName: string;
  certificateId: string;
  certificatePem: string;
  privateKey: string;
  deviceConfiguration: Record<string, string>;
}

/** A provisioning request AWS IoT refused: its `errorCode` and message, as the rejected document says. */
export class ProvisioningRejected extends Error {
  constructor(
    readonly operation: string,
    readonly statusCode: number | undefined,
    readonly errorCode: string | undefined,
    message: string | undefined,
  ) {
    super(`${operation} rejected: ${errorCode ?? "error"} (${statusCode ?? "?"}): ${message ?? ""}`);
    this.name = "ProvisioningRejected";
  }
}

/** One request of the identity API: subscribe to both answers, publish, take the first answer. */
function ask<T>(
  operation: string,
  timeoutMs: number,
  subscribe: (
    accepted: (error?: iotidentity.IotIdentityError, response?: T) => void,
    rejected: (error?: iotidentity.IotIdentityError, response?: iotidentity.model.ErrorResponse) => void,
  ) => Promise<unknown>,
  publish: () => Promise<unknown>,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${operation}: no answer in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const settle = (outcome: () => void) => {
      clearTimeout(timer);
      outcome();
    };
    subscribe(
      (error, response) =>
        settle(() =>
          error || !response ? reject(error ?? new Error(`${operation}: empty answer`)) : resolve(response),
        ),
      (error, response) =>
        settle(() =>
          reject(
            error ??
              new ProvisioningRejected(
                operation,
                response?.statusCode,
                response?.errorCode,
                response?.errorMessage,
              ),
          ),
        ),
    )
      .then(publish)
      .catch((error: Error) => settle(() => reject(error)));
  });
}

/**
 * Fleet provisioning by claim with the AWS IoT Device SDK v2's identity client
 * (docs/guide/provisioning.md): connect with the claim, have AWS IoT make a certificate and key
 * (CreateKeysAndCertificate), register the thing with the template (RegisterThing), disconnect.
 * The device then connects with its own certificate, its client id the thing's name.
 */
export async function provisionByClaim(options: ProvisionByClaimOptions): Promise<ProvisionedDevice> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const claim = new AwsIotTransport({
    endpoint: options.endpoint,
    ...(options.port ? { port: options.port } : {}),
    clientId: options.clientId,
    ...options.claim,
  });
  const connection = await claim.open();
  try {
    const identity = new iotidentity.IotIdentityClient(connection);
    const qos = mqtt.QoS.AtLeastOnce;
    const created = await ask<iotidentity.model.CreateKeysAndCertificateResponse>(
      "CreateKeysAndCertificate",
      timeoutMs,
      (accepted, rejected) =>
        Promise.all([
          identity.subscribeToCreateKeysAndCertificateAccepted({}, qos, accepted),
          identity.subscribeToCreateKeysAndCertificateRejected({}, qos, rejected),
        ]),
      () => identity.publishCreateKeysAndCertificate({}, qos),
    );
    const { templateName } = options;
    const registered = await ask<iotidentity.model.RegisterThingResponse>(
      "RegisterThing",
      timeoutMs,
      (accepted, rejected) =>
        Promise.all([
          identity.subscribeToRegisterThingAccepted({ templateName }, qos, accepted),
          identity.subscribeToRegisterThingRejected({ templateName }, qos, rejected),
        ]),
      () =>
        identity.publishRegisterThing(
          {
            templateName,
            certificateOwnershipToken: created.certificateOwnershipToken,
            parameters: options.parameters,
          },
          qos,
        ),
    );
    return {
      thingName: registered.thingName ?? "",
      certificateId: created.certificateId ?? "",
      certificatePem: created.certificatePem ?? "",
      privateKey: created.privateKey ?? "",
      deviceConfiguration: registered.deviceConfiguration ?? {},
    };
  } finally {
    await claim.end().catch(() => undefined);
  }
}
