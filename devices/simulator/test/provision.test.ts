import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  DescribeThingCommand,
  IoTClient,
  ResourceNotFoundException,
} from "@aws-sdk/client-iot";
import { IotThingRegistry } from "@fleetline/functions";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { missingCertificate } from "../src/credentials.js";
import { provisionThings } from "../src/provision.js";

const registry = () =>
  new IotThingRegistry(new IoTClient({ region: "eu-west-1" }), {
    fleet: "prod-fleetline",
    thingPrefix: "prod_",
    policyName: "prod-fleetline-devices",
  });

const iot = mockClient(IoTClient);
let out: string;

beforeEach(async () => {
  iot.reset();
  out = await mkdtemp(join(tmpdir(), "fleetline-provision-"));
  let n = 0;
  iot.on(DescribeThingCommand).rejects(new ResourceNotFoundException({ message: "no thing", $metadata: {} }));
  iot.on(CreateThingCommand).resolves({});
  iot.on(CreateKeysAndCertificateCommand).callsFake(() => {
    n += 1;
    return {
      certificateArn: `arn:aws:iot:eu-west-1:123456789012:cert/c${n}`,
      certificatePem: `CERT ${n}`,
      keyPair: { PrivateKey: `KEY ${n}` },
    };
  });
  iot.on(AttachPolicyCommand).resolves({});
  iot.on(AttachThingPrincipalCommand).resolves({});
});

afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

describe("provisionThings", () => {
  it("creates each thing with its type, an active certificate, the policy and the attachment, and writes the files", async () => {
    const provisioned = await provisionThings(registry(), {
      things: 2,
      type: "mixed",
      prefix: "prod_sim",
      out,
    });
    expect(provisioned.map((p) => p.thing)).toEqual(["prod_sim-fs-0001", "prod_sim-rb-0002"]);
    expect(iot.commandCalls(CreateThingCommand).map((c) => c.args[0].input)).toEqual([
      {
        thingName: "prod_sim-fs-0001",
        attributePayload: {
          attributes: { type: "freestyle", fleet: "prod-fleetline", createdAt: expect.any(String) },
        },
      },
      {
        thingName: "prod_sim-rb-0002",
        attributePayload: {
          attributes: { type: "robot", fleet: "prod-fleetline", createdAt: expect.any(String) },
        },
      },
    ]);
    expect(iot.commandCalls(CreateKeysAndCertificateCommand)[0]?.args[0].input).toEqual({
      setAsActive: true,
    });
    expect(iot.commandCalls(AttachPolicyCommand)[1]?.args[0].input).toEqual({
      policyName: "prod-fleetline-devices",
      target: "arn:aws:iot:eu-west-1:123456789012:cert/c2",
    });
    expect(iot.commandCalls(AttachThingPrincipalCommand)[0]?.args[0].input).toEqual({
      thingName: "prod_sim-fs-0001",
      principal: "arn:aws:iot:eu-west-1:123456789012:cert/c1",
    });
    expect(await readFile(join(out, "prod_sim-rb-0002.cert.pem"), "utf8")).toBe("CERT 2");
    expect(await readFile(join(out, "prod_sim-rb-0002.private.key"), "utf8")).toBe("KEY 2");
    expect(missingCertificate(out, ["prod_sim-fs-0001", "prod_sim-rb-0002"])).toBeUndefined();
    expect(missingCertificate(out, ["prod_sim-fs-0003"])).toBe(join(out, "prod_sim-fs-0003.cert.pem"));
  });

  it("adds a certificate to a thing that already exists", async () => {
    iot.on(DescribeThingCommand).resolves({ thingName: "prod_lab-rb-0001", attributes: { type: "robot" } });
    const provisioned = await provisionThings(registry(), {
      things: 1,
      type: "robot",
      prefix: "prod_lab",
      out,
    });
    expect(iot.commandCalls(CreateThingCommand)).toHaveLength(0);
    expect(provisioned).toEqual([
      {
        thing: "prod_lab-rb-0001",
        type: "robot",
        certificateArn: "arn:aws:iot:eu-west-1:123456789012:cert/c1",
      },
    ]);
  });
});
