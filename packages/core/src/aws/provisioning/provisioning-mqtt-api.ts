/**
 * AWS IoT's device provisioning MQTT API (docs/guide/provisioning.md): the request topics a device
 * holding a claim publishes on, and the documents it gets back on `…/accepted` or `…/rejected`,
 * always over the connection that asked. JSON payloads only.
 */

/** How long a certificate's ownership token is good for: an unregistered certificate is deleted then. */
export const OWNERSHIP_TOKEN_TTL_MS = 60 * 60_000;

export const PROVISIONING_TOPICS = {
  createKeysAndCertificate: "$aws/certificates/create/json",
  createCertificateFromCsr: "$aws/certificates/create-from-csr/json",
  registerThing: (templateName: string) => `$aws/provisioning-templates/${templateName}/provision/json`,
} as const;

export type ProvisioningRequest =
  | { operation: "CreateKeysAndCertificate" }
  | { operation: "CreateCertificateFromCsr" }
  | { operation: "RegisterThing"; templateName: string };

/** The operation a request topic names, or undefined for any other topic. */
export function parseProvisioningTopic(topic: string): ProvisioningRequest | undefined {
  if (topic === PROVISIONING_TOPICS.createKeysAndCertificate)
    return { operation: "CreateKeysAndCertificate" };
  if (topic === PROVISIONING_TOPICS.createCertificateFromCsr)
    return { operation: "CreateCertificateFromCsr" };
  const match = /^\$aws\/provisioning-templates\/([^/]+)\/provision\/json$/.exec(topic);
  return match ? { operation: "RegisterThing", templateName: match[1] as string } : undefined;
}

/** The document of a refused request, on `<request topic>/rejected`. */
export interface ProvisioningRejection {
  statusCode: number;
  errorCode: string;
  errorMessage: string;
}

export const rejection = (
  statusCode: number,
  errorCode: string,
  errorMessage: string,
): ProvisioningRejection => ({
  statusCode,
  errorCode,
  errorMessage,
});

/** CreateKeysAndCertificate's and CreateCertificateFromCsr's accepted document. */
export interface CertificateCreated {
  certificateId: string;
  certificatePem: string;
  /** Only when AWS made the key pair (CreateKeysAndCertificate). */
  privateKey?: string;
  certificateOwnershipToken: string;
}

/** RegisterThing's accepted document. */
export interface ThingRegistered {
  thingName: string;
  deviceConfiguration: Record<string, string>;
}

/** What AWS IoT sends a template's pre-provisioning hook (a Lambda function) before it registers anything. */
export interface PreProvisioningHookEvent {
  claimCertificateId: string;
  certificateId: string;
  certificatePem: string;
  templateArn: string;
  clientId: string;
  parameters: Record<string, string>;
}

/** The hook's answer: false refuses the device; `parameterOverrides` replace the device's parameters. */
export interface PreProvisioningHookResponse {
  allowProvisioning: boolean;
  parameterOverrides?: Record<string, string>;
}
