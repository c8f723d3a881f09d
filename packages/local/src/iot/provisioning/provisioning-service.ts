import { createHash, randomBytes } from "node:crypto";
import {
  type CertificateCreated,
  OWNERSHIP_TOKEN_TTL_MS,
  type PreProvisioningHookEvent,
  type PreProvisioningHookResponse,
  type ProvisioningRejection,
  type ProvisioningRequest,
  parseProvisioningTemplate,
  planProvisioning,
  rejection,
  type ThingRegistered,
} from "@fleetline/core/aws";
import { type ClaimIdentity, isDeviceType, isStageThing } from "@fleetline/core/devices";
import type { CertificateAuthority } from "../registry/certificate-authority.js";
import type { DeviceRegistry } from "../registry/device-registry.js";
import { functionOfArn } from "./provisioning-control-plane.js";
import type { ProvisioningStore } from "./provisioning-store.js";

/** A device certificate made by fleet provisioning is good for a year, as `fleetline devices add` makes them. */
const DEVICE_CERTIFICATE_MS = 365 * 86_400_000;

/** Why a provisioning request was refused, as `/api/health` counts them. */
export const PROVISIONING_REFUSALS = [
  "invalid-payload",
  "invalid-csr",
  "token-invalid",
  "token-expired",
  "template-not-found",
  "invalid-parameters",
  "hook-refused",
  "hook-failed",
  "another-stage",
  "policy-not-allowed",
  "conflict",
] as const;
export type ProvisioningRefusal = (typeof PROVISIONING_REFUSALS)[number];

/** The claim behind a connection: its certificate and the one template it may provision with. */
export type ClaimPrincipal = ClaimIdentity;

export type ProvisioningAnswer =
  | { accepted: true; document: CertificateCreated | ThingRegistered }
  | { accepted: false; document: ProvisioningRejection };

export interface ProvisioningServiceOptions {
  store: ProvisioningStore;
  ca: CertificateAuthority;
  registry: DeviceRegistry;
  /** Runs a template's pre-provisioning hook: a function of the runtime, by name. */
  invokeHook: (functionName: string, event: PreProvisioningHookEvent) => Promise<PreProvisioningHookResponse>;
  /** The groups a template may put a thing in. */
  groups: { exists(name: string): boolean; add(name: string, thing: string): Promise<void> };
  templateArn: (name: string) => string;
  /** The things a template may create: this stage's (the provisioning role's scope on AWS). */
  thingPrefix: string;
  /** The only policy a template may attach: the device policy the broker enforces. */
  devicePolicy: string;
  now: () => number;
}

const hashOf = (token: string) => createHash("sha256").update(token).digest("hex");

class Refused extends Error {
  constructor(
    readonly reason: ProvisioningRefusal,
    readonly document: ProvisioningRejection,
  ) {
    super(document.errorMessage);
  }
}

const refuse = (
  reason: ProvisioningRefusal,
  statusCode: number,
  errorCode: string,
  message: string,
): never => {
  throw new Refused(reason, rejection(statusCode, errorCode, message));
};

function payloadObject(payload: Uint8Array): Record<string, unknown> {
  try {
    const value = JSON.parse(new TextDecoder().decode(payload)) as unknown;
    if (typeof value === "object" && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  return refuse("invalid-payload", 400, "InvalidPayload", "the request must be a JSON object");
}

/**
 * AWS IoT's fleet provisioning by claim (docs/guide/provisioning.md): a device holding a claim gets
 * a certificate and an ownership token (valid an hour, used once), then registers a thing with the
 * claim's template — after the template's pre-provisioning hook allowed it. Either the thing, its
 * certificate and its groups are registered, or nothing is.
 */
export class ProvisioningService {
  readonly counts = {
    certificatesCreated: 0,
    thingsProvisioned: 0,
    expiredCertificatesDeleted: 0,
    refused: Object.fromEntries(PROVISIONING_REFUSALS.map((r) => [r, 0])) as Record<
      ProvisioningRefusal,
      number
    >,
  };
  /** Tokens in a RegisterThing now: a second use of one meanwhile is refused. */
  private readonly inUse = new Set<string>();

  constructor(private readonly options: ProvisioningServiceOptions) {}

  /** The claim behind a certificate, while it is valid. */
  claim(fingerprint: string): ClaimPrincipal | undefined {
    const claim = this.options.store.claims.get(fingerprint);
    // A certificate's validity is TLS's, on the machine's time (the runtime clock may be a test's).
    if (!claim || claim.notAfter <= Date.now()) return undefined;
    return { claim: fingerprint, templateName: claim.templateName };
  }

  /** Answers one request of the MQTT API, or says why not in AWS's rejected document. */
  async handle(
    principal: ClaimPrincipal,
    clientId: string,
    request: ProvisioningRequest,
    payload: Uint8Array,
  ): Promise<ProvisioningAnswer> {
    try {
      const body = payloadObject(payload);
      if (request.operation === "RegisterThing")
        return {
          accepted: true,
          document: await this.registerThing(principal, clientId, request.templateName, body),
        };
      return { accepted: true, document: await this.createCertificate(principal, request.operation, body) };
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      this.counts.refused[error.reason] += 1;
      return { accepted: false, document: error.document };
    }
  }

  private async createCertificate(
    principal: ClaimPrincipal,
    operation: "CreateKeysAndCertificate" | "CreateCertificateFromCsr",
    body: Record<string, unknown>,
  ): Promise<CertificateCreated> {
    const now = this.options.now();
    // Certificates are valid on the machine's time, which TLS checks them against.
    const issuedAt = Date.now();
    let issued: Awaited<ReturnType<CertificateAuthority["issueClient"]>>;
    if (operation === "CreateCertificateFromCsr") {
      if (typeof body.certificateSigningRequest !== "string")
        refuse("invalid-csr", 400, "InvalidPayload", "certificateSigningRequest is required");
      try {
        issued = await this.options.ca.signRequest(
          body.certificateSigningRequest as string,
          now,
          DEVICE_CERTIFICATE_MS,
        );
      } catch (error) {
        return refuse("invalid-csr", 400, "InvalidCsr", (error as Error).message);
      }
    } else issued = await this.options.ca.issueClient("AWS IoT Certificate", issuedAt, DEVICE_CERTIFICATE_MS);
    const token = randomBytes(48).toString("base64url");
    await this.options.store.putPending({
      certificateId: issued.fingerprint,
      certificatePem: issued.certificatePem,
      tokenHash: hashOf(token),
      notAfter: issued.notAfter,
      expiresAt: now + OWNERSHIP_TOKEN_TTL_MS,
      claim: principal.claim,
    });
    this.counts.certificatesCreated += 1;
    return {
      certificateId: issued.fingerprint,
      certificatePem: issued.certificatePem,
      ...(operation === "CreateKeysAndCertificate" ? { privateKey: issued.privateKeyPem } : {}),
      certificateOwnershipToken: token,
    };
  }

  private async registerThing(
    principal: ClaimPrincipal,
    clientId: string,
    templateName: string,
    body: Record<string, unknown>,
  ): Promise<ThingRegistered> {
    const token = typeof body.certificateOwnershipToken === "string" ? body.certificateOwnershipToken : "";
    const hash = hashOf(token);
    const pending = this.options.store.pending.get(hash);
    if (!pending || this.inUse.has(hash))
      refuse(
        "token-invalid",
        400,
        "InvalidCertificateOwnershipToken",
        "the certificate ownership token is not valid (used already, or never issued)",
      );
    if ((pending?.expiresAt ?? 0) <= this.options.now()) {
      await this.options.store.deletePending(hash);
      this.counts.expiredCertificatesDeleted += 1;
      refuse(
        "token-expired",
        400,
        "InvalidCertificateOwnershipToken",
        "the certificate ownership token has expired; its certificate is deleted",
      );
    }
    this.inUse.add(hash);
    try {
      const certificate = pending as NonNullable<typeof pending>;
      const thingName = await this.register(principal, clientId, templateName, body, certificate);
      await this.options.store.deletePending(hash);
      this.counts.thingsProvisioned += 1;
      return thingName;
    } finally {
      this.inUse.delete(hash);
    }
  }

  /** Everything checked first, then registered: a refusal leaves nothing behind. */
  private async register(
    principal: ClaimPrincipal,
    clientId: string,
    templateName: string,
    body: Record<string, unknown>,
    certificate: { certificateId: string; certificatePem: string; notAfter: number },
  ): Promise<ThingRegistered> {
    const template = this.options.store.templates.get(templateName);
    if (!template?.enabled || templateName !== principal.templateName)
      refuse(
        "template-not-found",
        404,
        "ResourceNotFound",
        `no enabled provisioning template ${templateName} for this claim`,
      );
    const record = template as NonNullable<typeof template>;
    const given = typeof body.parameters === "object" && body.parameters !== null ? body.parameters : {};
    let parameters = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, String(v)]));
    if (record.preProvisioningHook) {
      const answer = await this.options
        .invokeHook(functionOfArn(record.preProvisioningHook.targetArn), {
          claimCertificateId: principal.claim,
          certificateId: certificate.certificateId,
          certificatePem: certificate.certificatePem,
          templateArn: this.options.templateArn(templateName),
          clientId,
          parameters,
        })
        .catch((error: Error) =>
          refuse("hook-failed", 500, "InternalFailure", `the pre-provisioning hook failed: ${error.message}`),
        );
      if (answer.allowProvisioning !== true)
        refuse("hook-refused", 403, "AccessDenied", "the pre-provisioning hook refused this device");
      parameters = { ...parameters, ...(answer.parameterOverrides ?? {}) };
    }
    const parsed = parseProvisioningTemplate(record.templateBody);
    const plan = parsed.ok ? planProvisioning(parsed.value, parameters, certificate.certificateId) : parsed;
    if (!plan.ok) return refuse("invalid-parameters", 400, "InvalidParameters", plan.message);
    const { thingName, attributes, policyName, thingGroups } = plan.value;
    if (!isStageThing(thingName, this.options.thingPrefix))
      refuse(
        "another-stage",
        403,
        "AccessDenied",
        `the template may not create ${thingName}: it is another stage's thing`,
      );
    if (policyName !== this.options.devicePolicy)
      refuse(
        "policy-not-allowed",
        403,
        "AccessDenied",
        `the template must attach the device policy ${this.options.devicePolicy}`,
      );
    if (plan.value.certificateStatus !== "ACTIVE")
      refuse("invalid-parameters", 400, "InvalidParameters", "the certificate must be registered ACTIVE");
    if (!isDeviceType(attributes.type))
      refuse(
        "invalid-parameters",
        400,
        "InvalidParameters",
        `the thing's type attribute "${attributes.type ?? ""}" is not a device type`,
      );
    const missing = thingGroups.find((group) => !this.options.groups.exists(group));
    if (missing)
      refuse("invalid-parameters", 400, "InvalidParameters", `thing group ${missing} does not exist`);
    try {
      await this.options.registry.provision(
        thingName,
        attributes.type as "freestyle" | "robot",
        { fingerprint: certificate.certificateId, notAfter: certificate.notAfter },
        this.options.now(),
      );
    } catch (error) {
      if ((error as { code?: string }).code === "CONFLICT")
        refuse("conflict", 409, "ResourceConflict", (error as Error).message);
      if ((error as { code?: string }).code === "REQUEST_INVALID")
        refuse("invalid-parameters", 400, "InvalidParameters", (error as Error).message);
      throw error;
    }
    for (const group of thingGroups) await this.options.groups.add(group, thingName);
    return { thingName, deviceConfiguration: plan.value.deviceConfiguration };
  }

  /** Deletes the certificates whose ownership token ran out before they were registered, and expired claims. */
  async deleteExpired(): Promise<void> {
    const now = this.options.now();
    for (const [hash, pending] of this.options.store.pending)
      if (pending.expiresAt <= now && !this.inUse.has(hash)) {
        await this.options.store.deletePending(hash);
        this.counts.expiredCertificatesDeleted += 1;
      }
    for (const [fingerprint, claim] of this.options.store.claims)
      if (claim.notAfter <= Date.now()) await this.options.store.deleteClaim(fingerprint);
  }
}
