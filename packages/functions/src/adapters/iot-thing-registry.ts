import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  DeleteCertificateCommand,
  DeleteConflictException,
  DeleteThingCommand,
  DescribeThingCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  type IoTClient,
  ListThingPrincipalsCommand,
  ListThingsCommand,
  ResourceNotFoundException,
  UpdateCertificateCommand,
} from "@aws-sdk/client-iot";
import { fleetlineError } from "@fleetline/core/common";
import {
  type CredentialKind,
  checkRegistration,
  type DeviceCredential,
  type DeviceType,
  isDeviceType,
  isThingName,
  type RegisteredThing,
  type ThingRegistry,
} from "@fleetline/core/devices";

export interface IotThingRegistryOptions {
  /** The stage's fleet: things carry it as their `fleet` attribute, and only those are listed. */
  fleet: string;
  /**
   * The stage's thing-name prefix (`prod_`): the stage's rule and IAM policies cover only things
   * named so, so a thing is registered under it or not at all.
   */
  thingPrefix: string;
  /** The Devices stack's IoT policy, attached to every certificate. */
  policyName: string;
}

type Attributes = Record<string, string> | undefined;
type Certificate = Extract<DeviceCredential, { certificateArn: string }>;

const certificateId = (arn: string) => arn.slice(arn.lastIndexOf("/") + 1);

/**
 * The AWS IoT thing registry as Fleetline's: a thing has its `type` (which the IoT policy reads),
 * `fleet` and `createdAt` attributes, and an active certificate with the device policy. Removing
 * it deactivates and deletes its certificates, then the thing.
 */
export class IotThingRegistry implements ThingRegistry {
  constructor(
    private readonly iot: IoTClient,
    private readonly options: IotThingRegistryOptions,
  ) {}

  async register(
    thing: string,
    type: DeviceType,
    now = Date.now(),
    credential: CredentialKind = "certificate",
  ): Promise<RegisteredThing & Certificate> {
    checkRegistration(thing, type);
    if (credential !== "certificate")
      throw fleetlineError(
        "REQUEST_INVALID",
        "AWS IoT Core has no device tokens: devices connect with certificates",
      );
    if (!this.named(thing))
      throw fleetlineError(
        "REQUEST_INVALID",
        `thing name "${thing}" must start with ${this.options.thingPrefix}: this stage's rule and policies cover only those things`,
      );
    // CreateThing succeeds again for an identical thing; a registry says it exists.
    if ((await this.attributes(thing)) !== undefined)
      throw fleetlineError("CONFLICT", `thing ${thing} already exists`);
    await this.iot.send(
      new CreateThingCommand({
        thingName: thing,
        attributePayload: { attributes: { type, fleet: this.options.fleet, createdAt: String(now) } },
      }),
    );
    return { thing, type, createdAt: now, ...(await this.issueCertificate(thing)) };
  }

  /** Another certificate for a thing of this stage, beside its others (AWS IoT allows several). */
  async addCertificate(thing: string): Promise<RegisteredThing & Certificate> {
    const found = this.named(thing) ? await this.get(thing) : undefined;
    if (!found) throw fleetlineError("NOT_FOUND", `no thing named ${thing}`);
    return { ...found, ...(await this.issueCertificate(thing)) };
  }

  /** A new active certificate with the device policy, attached to the thing; the key is shown once. */
  async issueCertificate(thing: string): Promise<Certificate> {
    const created = await this.iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    const certificateArn = created.certificateArn as string;
    await this.iot.send(
      new AttachPolicyCommand({ policyName: this.options.policyName, target: certificateArn }),
    );
    await this.iot.send(new AttachThingPrincipalCommand({ thingName: thing, principal: certificateArn }));
    return {
      certificateArn,
      certificatePem: created.certificatePem as string,
      privateKey: created.keyPair?.PrivateKey as string,
    };
  }

  async remove(thing: string): Promise<boolean> {
    if (!this.named(thing) || !this.ours(await this.attributes(thing))) return false;
    const { principals = [] } = await this.iot.send(new ListThingPrincipalsCommand({ thingName: thing }));
    for (const principal of principals) {
      // Deactivated first: from here on the certificate connects nowhere.
      await this.iot.send(
        new UpdateCertificateCommand({ certificateId: certificateId(principal), newStatus: "INACTIVE" }),
      );
      await this.iot.send(
        new DetachPolicyCommand({ policyName: this.options.policyName, target: principal }),
      );
      await this.iot.send(new DetachThingPrincipalCommand({ thingName: thing, principal }));
      try {
        await this.iot.send(new DeleteCertificateCommand({ certificateId: certificateId(principal) }));
      } catch (error) {
        // Detaching is eventually consistent; an inactive certificate left behind grants nothing.
        if (!(error instanceof DeleteConflictException)) throw error;
      }
    }
    await this.iot.send(new DeleteThingCommand({ thingName: thing }));
    return true;
  }

  async get(thing: string): Promise<RegisteredThing | undefined> {
    if (!isThingName(thing) || !this.named(thing)) return undefined;
    return this.toThing(thing, await this.attributes(thing));
  }

  async list(): Promise<RegisteredThing[]> {
    const things: RegisteredThing[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.iot.send(
        new ListThingsCommand({
          attributeName: "fleet",
          attributeValue: this.options.fleet,
          maxResults: 250,
          nextToken,
        }),
      );
      for (const listed of page.things ?? []) {
        const thing = this.toThing(listed.thingName ?? "", listed.attributes);
        if (thing) things.push(thing);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return things.sort((a, b) => a.thing.localeCompare(b.thing));
  }

  /** The thing's attributes, or undefined when there is no such thing. */
  private async attributes(thing: string): Promise<Attributes> {
    try {
      const described = await this.iot.send(new DescribeThingCommand({ thingName: thing }));
      return described.attributes ?? {};
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  private named(thing: string): boolean {
    return thing.startsWith(this.options.thingPrefix);
  }

  private ours(attributes: Attributes): attributes is Record<string, string> {
    return attributes?.fleet === this.options.fleet && isDeviceType(attributes.type);
  }

  private toThing(thing: string, attributes: Attributes): RegisteredThing | undefined {
    if (!this.named(thing) || !this.ours(attributes)) return undefined;
    return { thing, type: attributes.type as DeviceType, createdAt: Number(attributes.createdAt ?? 0) };
  }
}
