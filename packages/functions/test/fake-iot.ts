import { randomBytes } from "node:crypto";
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CertificateStateException,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  DeleteCertificateCommand,
  DeleteConflictException,
  DeleteThingCommand,
  DescribeThingCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  InvalidRequestException,
  IoTClient,
  ListThingPrincipalsCommand,
  ListThingsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  UpdateCertificateCommand,
} from "@aws-sdk/client-iot";
import { mockClient } from "aws-sdk-client-mock";

interface Thing {
  attributes: Record<string, string>;
  principals: Set<string>;
}
interface Certificate {
  status: string;
  policies: Set<string>;
  things: Set<string>;
}

const meta = { $metadata: {} };
const notFound = (message: string) => new ResourceNotFoundException({ message, ...meta });

/**
 * An in-memory AWS IoT registry behind aws-sdk-client-mock, with the rules the registry adapter
 * meets on AWS: at most 3 attributes on an untyped thing, CreateThing idempotent only for an
 * identical thing, no deleting an active or attached certificate, no deleting a thing with
 * principals, ListThings filtered by one attribute and paged.
 */
export function fakeIot(policies: string[]) {
  const mock = mockClient(IoTClient);
  const things = new Map<string, Thing>();
  const certificates = new Map<string, Certificate>();
  const thingOf = (name: string | undefined) => {
    const thing = things.get(name ?? "");
    if (!thing) throw notFound(`Thing ${name} cannot be found.`);
    return thing;
  };
  const certificateOf = (arnOrId: string | undefined) => {
    const arn = [...certificates.keys()].find((key) => key === arnOrId || key.endsWith(`/${arnOrId}`));
    const certificate = arn === undefined ? undefined : certificates.get(arn);
    if (arn === undefined || !certificate) throw notFound(`Certificate ${arnOrId} does not exist`);
    return { arn, certificate };
  };

  function install() {
    mock.on(DescribeThingCommand).callsFake(({ thingName }) => ({
      thingName,
      attributes: { ...thingOf(thingName).attributes },
    }));
    mock.on(CreateThingCommand).callsFake(({ thingName, attributePayload }) => {
      const attributes: Record<string, string> = attributePayload?.attributes ?? {};
      if (Object.keys(attributes).length > 3)
        throw new InvalidRequestException({
          message: "a thing without a type has at most 3 attributes",
          ...meta,
        });
      const existing = things.get(thingName);
      if (existing && JSON.stringify(existing.attributes) !== JSON.stringify(attributes))
        throw new ResourceAlreadyExistsException({ message: `Thing ${thingName} already exists`, ...meta });
      if (!existing) things.set(thingName, { attributes, principals: new Set() });
      return { thingName, thingArn: `arn:aws:iot:eu-west-1:123456789012:thing/${thingName}` };
    });
    mock.on(CreateKeysAndCertificateCommand).callsFake(({ setAsActive }) => {
      const id = randomBytes(32).toString("hex");
      const certificateArn = `arn:aws:iot:eu-west-1:123456789012:cert/${id}`;
      certificates.set(certificateArn, {
        status: setAsActive ? "ACTIVE" : "INACTIVE",
        policies: new Set(),
        things: new Set(),
      });
      return {
        certificateArn,
        certificateId: id,
        certificatePem: `-----BEGIN CERTIFICATE-----\n${randomBytes(600).toString("base64")}\n-----END CERTIFICATE-----\n`,
        keyPair: {
          PublicKey: "-----BEGIN PUBLIC KEY-----\n…\n-----END PUBLIC KEY-----\n",
          PrivateKey: `-----BEGIN RSA PRIVATE KEY-----\n${randomBytes(900).toString("base64")}\n-----END RSA PRIVATE KEY-----\n`,
        },
      };
    });
    mock.on(AttachPolicyCommand).callsFake(({ policyName, target }) => {
      if (!policies.includes(policyName)) throw notFound(`Policy ${policyName} does not exist`);
      certificateOf(target).certificate.policies.add(policyName);
      return {};
    });
    mock.on(DetachPolicyCommand).callsFake(({ policyName, target }) => {
      certificateOf(target).certificate.policies.delete(policyName);
      return {};
    });
    mock.on(AttachThingPrincipalCommand).callsFake(({ thingName, principal }) => {
      const { arn, certificate } = certificateOf(principal);
      thingOf(thingName).principals.add(arn);
      certificate.things.add(thingName);
      return {};
    });
    mock.on(DetachThingPrincipalCommand).callsFake(({ thingName, principal }) => {
      const { arn, certificate } = certificateOf(principal);
      thingOf(thingName).principals.delete(arn);
      certificate.things.delete(thingName);
      return {};
    });
    mock.on(ListThingPrincipalsCommand).callsFake(({ thingName }) => ({
      principals: [...thingOf(thingName).principals],
    }));
    mock.on(UpdateCertificateCommand).callsFake(({ certificateId, newStatus }) => {
      certificateOf(certificateId).certificate.status = newStatus;
      return {};
    });
    mock.on(DeleteCertificateCommand).callsFake(({ certificateId }) => {
      const { arn, certificate } = certificateOf(certificateId);
      if (certificate.status === "ACTIVE")
        throw new CertificateStateException({ message: "the certificate is active", ...meta });
      if (certificate.things.size > 0 || certificate.policies.size > 0)
        throw new DeleteConflictException({ message: "the certificate is attached", ...meta });
      certificates.delete(arn);
      return {};
    });
    mock.on(DeleteThingCommand).callsFake(({ thingName }) => {
      const thing = things.get(thingName);
      if (thing && thing.principals.size > 0)
        throw new InvalidRequestException({ message: "the thing has principals attached", ...meta });
      things.delete(thingName);
      return {};
    });
    mock.on(ListThingsCommand).callsFake(({ attributeName, attributeValue, maxResults = 50, nextToken }) => {
      const matching = [...things.entries()]
        .filter(
          ([, thing]) => attributeName === undefined || thing.attributes[attributeName] === attributeValue,
        )
        .map(([thingName, thing]) => ({ thingName, attributes: { ...thing.attributes } }));
      const start = Number(nextToken ?? 0);
      const end = start + Math.min(maxResults, 250);
      return {
        things: matching.slice(start, end),
        ...(end < matching.length ? { nextToken: String(end) } : {}),
      };
    });
  }
  install();

  return {
    mock,
    things,
    certificates,
    client: new IoTClient({ region: "eu-west-1" }),
    reset() {
      mock.reset();
      things.clear();
      certificates.clear();
      install();
    },
  };
}
