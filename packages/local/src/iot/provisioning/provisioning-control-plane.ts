import { type JsonObject, parseProvisioningTemplate } from "@fleetline/core/aws";
import { at, fail } from "../jobs/control-plane-errors.js";
import type { CertificateAuthority } from "../registry/certificate-authority.js";
import type { ProvisioningStore, TemplateRecord } from "./provisioning-store.js";

/** AWS IoT: a claim from CreateProvisioningClaim is good for five minutes. */
export const CLAIM_VALIDITY_MS = 5 * 60_000;

const TEMPLATE_NAME = /^[0-9A-Za-z_-]{1,36}$/;

export interface ProvisioningControlPlaneOptions {
  store: ProvisioningStore;
  ca: CertificateAuthority;
  arn: (kind: string, name: string) => string;
  /** The local function a hook's `targetArn` names, if there is one. */
  functionExists: (name: string) => boolean;
  now: () => number;
}

/** The function name at the end of a Lambda ARN (`arn:aws:lambda:…:function:NAME`). */
export const functionOfArn = (arn: string): string => arn.split(":function:")[1]?.split(":")[0] ?? "";

/**
 * AWS IoT's control-plane operations on provisioning templates and claims
 * (`CreateProvisioningTemplate`, `DescribeProvisioningTemplate`, `ListProvisioningTemplates`,
 * `DeleteProvisioningTemplate`, `CreateProvisioningClaim`), as `@aws-sdk/client-iot` calls them.
 */
export class ProvisioningControlPlane {
  constructor(private readonly options: ProvisioningControlPlaneOptions) {}

  private template(name: string): TemplateRecord {
    const record = this.options.store.templates.get(name);
    if (!record)
      return fail("ResourceNotFoundException", `The provisioning template ${name} does not exist.`);
    return record;
  }

  private describe(record: TemplateRecord): JsonObject {
    return {
      templateArn: this.options.arn("provisioningtemplate", record.templateName),
      templateName: record.templateName,
      ...(record.description !== undefined ? { description: record.description } : {}),
      creationDate: at(record.creationDate) as number,
      lastModifiedDate: at(record.lastModifiedDate) as number,
      defaultVersionId: 1,
      templateBody: record.templateBody,
      enabled: record.enabled,
      provisioningRoleArn: record.provisioningRoleArn,
      ...(record.preProvisioningHook ? { preProvisioningHook: { ...record.preProvisioningHook } } : {}),
      type: "FLEET_PROVISIONING",
    };
  }

  /** Checks a template and keeps it; the hook must name a function this runtime has. */
  async create(body: Record<string, unknown>): Promise<JsonObject> {
    const { templateName, templateBody, provisioningRoleArn } = body;
    if (typeof templateName !== "string" || !TEMPLATE_NAME.test(templateName))
      fail("InvalidRequestException", "templateName must be 1–36 of letters, digits, _ and -");
    if (typeof templateBody !== "string") fail("InvalidRequestException", "templateBody is required");
    if (typeof provisioningRoleArn !== "string" || provisioningRoleArn === "")
      fail("InvalidRequestException", "provisioningRoleArn is required");
    if (body.type !== undefined && body.type !== "FLEET_PROVISIONING")
      fail("InvalidRequestException", "only FLEET_PROVISIONING templates are supported");
    const parsed = parseProvisioningTemplate(templateBody as string);
    if (!parsed.ok) fail("InvalidRequestException", parsed.message);
    const hook = body.preProvisioningHook as { targetArn?: unknown; payloadVersion?: unknown } | undefined;
    if (
      hook !== undefined &&
      (typeof hook.targetArn !== "string" || !this.options.functionExists(functionOfArn(hook.targetArn)))
    )
      fail(
        "InvalidRequestException",
        "preProvisioningHook.targetArn must name one of fleetline dev's functions",
      );
    const name = templateName as string;
    if (this.options.store.templates.has(name))
      fail("ResourceAlreadyExistsException", `The provisioning template ${name} already exists.`);
    const now = this.options.now();
    await this.options.store.putTemplate({
      templateName: name,
      ...(typeof body.description === "string" ? { description: body.description } : {}),
      templateBody: templateBody as string,
      enabled: body.enabled === true,
      provisioningRoleArn: provisioningRoleArn as string,
      ...(hook
        ? {
            preProvisioningHook: {
              targetArn: hook.targetArn as string,
              ...(typeof hook.payloadVersion === "string" ? { payloadVersion: hook.payloadVersion } : {}),
            },
          }
        : {}),
      creationDate: now,
      lastModifiedDate: now,
    });
    return {
      templateArn: this.options.arn("provisioningtemplate", name),
      templateName: name,
      defaultVersionId: 1,
    };
  }

  describeTemplate(name: string): JsonObject {
    return this.describe(this.template(name));
  }

  list(): JsonObject {
    return {
      templates: [...this.options.store.templates.values()]
        .sort((a, b) => a.templateName.localeCompare(b.templateName))
        .map((record) => {
          const {
            templateBody: _,
            provisioningRoleArn: __,
            preProvisioningHook: ___,
            defaultVersionId: ____,
            ...summary
          } = this.describe(record) as Record<string, unknown>;
          return summary as JsonObject;
        }),
    };
  }

  async delete(name: string): Promise<JsonObject> {
    this.template(name);
    await this.options.store.deleteTemplate(name);
    return {};
  }

  /** A claim certificate for the template, good for five minutes: its key pair is shown only now. */
  async createClaim(templateName: string): Promise<JsonObject> {
    this.template(templateName);
    // On the machine's time, which TLS checks the certificate against.
    const issued = await this.options.ca.issueClient(
      "AWS IoT Provisioning Claim",
      Date.now(),
      CLAIM_VALIDITY_MS,
    );
    await this.options.store.putClaim({
      fingerprint: issued.fingerprint,
      templateName,
      notAfter: issued.notAfter,
    });
    return {
      certificateId: issued.fingerprint,
      certificatePem: issued.certificatePem,
      keyPair: { PublicKey: issued.publicKeyPem, PrivateKey: issued.privateKeyPem },
      expiration: at(issued.notAfter) as number,
    };
  }
}
