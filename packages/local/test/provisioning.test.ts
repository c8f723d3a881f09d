import "reflect-metadata";
import { webcrypto } from "node:crypto";
import {
  CreateProvisioningClaimCommand,
  CreateProvisioningTemplateCommand,
  DescribeProvisioningTemplateCommand,
  type IoTClient,
  ListProvisioningTemplatesCommand,
} from "@aws-sdk/client-iot";
import { manualClock } from "@fleetline/core/common";
import * as x509 from "@peculiar/x509";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../src/runtime/runtime.js";
import { closed, healthMetric, localIotClient, startRuntime, waitFor } from "./helpers.js";

const clock = manualClock(Date.now());
let runtime: Runtime;
let iot: IoTClient;
let info: { mqttsUrl: string; caPem: string };

beforeAll(async () => {
  runtime = await startRuntime({ mqttsPort: 0 }, clock);
  iot = localIotClient(runtime.urls.http);
  info = (await (await fetch(`${runtime.urls.http}/api/info`)).json()) as typeof info;
});

afterAll(async () => {
  iot?.destroy();
  await runtime?.stop();
});

/** A claim for `templateName`, as a factory gets one: CreateProvisioningClaim through the official client. */
async function claim(templateName = "fleetline-fleet") {
  const created = await iot.send(new CreateProvisioningClaimCommand({ templateName }));
  return { cert: created.certificatePem as string, key: created.keyPair?.PrivateKey as string };
}

/** A connection holding a claim, over mutual TLS, collecting what it is answered. */
async function claimConnection(clientId: string, credentials: { cert: string; key: string }) {
  const answers: Array<{ topic: string; body: Record<string, unknown> }> = [];
  const client = await mqtt.connectAsync(info.mqttsUrl, {
    clientId,
    ...credentials,
    ca: info.caPem,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
  });
  client.on("message", (topic, payload) => answers.push({ topic, body: JSON.parse(payload.toString()) }));
  const ask = async (topic: string, body: object) => {
    const before = answers.length;
    await client.publishAsync(topic, JSON.stringify(body), { qos: 1 });
    await waitFor(() => answers.length > before, `an answer on ${topic}`);
    return answers[before] as { topic: string; body: Record<string, unknown> };
  };
  return { client, ask };
}

const CREATE = "$aws/certificates/create/json";
const provision = (template = "fleetline-fleet") => `$aws/provisioning-templates/${template}/provision/json`;

async function created(ask: Awaited<ReturnType<typeof claimConnection>>["ask"]) {
  const answer = await ask(CREATE, {});
  expect(answer.topic).toBe(`${CREATE}/accepted`);
  return answer.body as {
    certificateId: string;
    certificatePem: string;
    privateKey: string;
    certificateOwnershipToken: string;
  };
}

describe("fleet provisioning by claim", () => {
  it("serves the templates through @aws-sdk/client-iot, the fleet template among them", async () => {
    const listed = await iot.send(new ListProvisioningTemplatesCommand({}));
    expect(listed.templates?.map((t) => t.templateName)).toContain("fleetline-fleet");
    const described = await iot.send(
      new DescribeProvisioningTemplateCommand({ templateName: "fleetline-fleet" }),
    );
    expect(described).toMatchObject({ enabled: true, type: "FLEET_PROVISIONING" });
    expect(described.preProvisioningHook?.targetArn).toMatch(/:function:provisioningHook$/);
    expect(JSON.parse(described.templateBody as string).Resources.thing.Type).toBe("AWS::IoT::Thing");
    await expect(
      iot.send(
        new CreateProvisioningTemplateCommand({
          templateName: "bad-template",
          templateBody: JSON.stringify({
            Resources: {
              thing: { Type: "AWS::IoT::Thing", Properties: { ThingName: { "Fn::GetAtt": ["x", "y"] } } },
            },
          }),
          provisioningRoleArn: "arn:aws:iam::000000000000:role/x",
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidRequestException" });
  });

  it("registers a thing from a claim whose new certificate then connects as the thing, and the token works once", async () => {
    const { client, ask } = await claimConnection("factory-line-1", await claim());
    await client.subscribeAsync(`${CREATE}/+`, { qos: 1 });
    const certificate = await created(ask);
    const request = {
      certificateOwnershipToken: certificate.certificateOwnershipToken,
      parameters: { ThingName: "fs-claimed-1", DeviceType: "freestyle" },
    };
    const registered = await ask(provision(), request);
    expect(registered).toEqual({
      topic: `${provision()}/accepted`,
      body: { thingName: "fs-claimed-1", deviceConfiguration: {} },
    });
    // Used once: a second RegisterThing with it is refused, and nothing more is registered.
    const again = await ask(provision(), {
      ...request,
      parameters: { ThingName: "fs-claimed-2", DeviceType: "freestyle" },
    });
    expect(again.topic).toBe(`${provision()}/rejected`);
    expect(again.body).toMatchObject({ statusCode: 400, errorCode: "InvalidCertificateOwnershipToken" });
    expect(runtime.registry.isRegistered("fs-claimed-2")).toBe(false);
    await client.endAsync();

    const device = await mqtt.connectAsync(info.mqttsUrl, {
      clientId: "fs-claimed-1",
      cert: certificate.certificatePem,
      key: certificate.privateKey,
      ca: info.caPem,
      reconnectPeriod: 0,
    });
    await expect(
      device.publishAsync("dt/fleetline/freestyle/fs-claimed-1/telemetry", "{}", { qos: 1 }),
    ).resolves.toBeDefined();
    await device.endAsync();
    expect(await runtime.registry.get("fs-claimed-1")).toMatchObject({ type: "freestyle" });
  });

  it("signs a device's own key (CreateCertificateFromCsr) and refuses a request that is not a CSR", async () => {
    const { client, ask } = await claimConnection("factory-line-csr", await claim());
    const topic = "$aws/certificates/create-from-csr/json";
    await client.subscribeAsync(`${topic}/+`, { qos: 1 });
    const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
    const keys = (await webcrypto.subtle.generateKey(algorithm, true, [
      "sign",
      "verify",
    ])) as webcrypto.CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: "CN=fs-csr-1",
      keys: keys as unknown as Parameters<typeof x509.Pkcs10CertificateRequestGenerator.create>[0]["keys"],
      signingAlgorithm: algorithm,
    });
    const signed = await ask(topic, { certificateSigningRequest: csr.toString("pem") });
    expect(signed.topic).toBe(`${topic}/accepted`);
    expect(signed.body).not.toHaveProperty("privateKey");
    const certificate = new x509.X509Certificate(signed.body.certificatePem as string);
    expect(Buffer.from(certificate.publicKey.rawData)).toEqual(Buffer.from(csr.publicKey.rawData));
    const bad = await ask(topic, {
      certificateSigningRequest:
        "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----",
    });
    expect(bad).toMatchObject({
      topic: `${topic}/rejected`,
      body: { statusCode: 400, errorCode: "InvalidCsr" },
    });
    const notJson = await ask(topic, "not json" as unknown as object);
    expect(notJson.body).toMatchObject({ errorCode: "InvalidPayload" });
    await client.endAsync();
  });

  it("deletes a certificate whose token ran out unregistered, at the next sweep", async () => {
    const { client, ask } = await claimConnection("factory-line-sweep", await claim());
    await client.subscribeAsync(`${CREATE}/+`, { qos: 1 });
    await created(ask);
    const before = (await healthMetric(runtime, "provisioning", "expiredCertificatesDeleted")) as number;
    clock.advance(61 * 60_000);
    try {
      await runtime.sweep();
    } finally {
      clock.advance(-61 * 60_000);
    }
    expect(await healthMetric(runtime, "provisioning", "expiredCertificatesDeleted")).toBeGreaterThan(before);
    await client.endAsync();
  });

  it("refuses an expired ownership token and deletes its certificate", async () => {
    const { client, ask } = await claimConnection("factory-line-2", await claim());
    await client.subscribeAsync(`${CREATE}/+`, { qos: 1 });
    const certificate = await created(ask);
    const answer = await (async () => {
      clock.advance(61 * 60_000);
      try {
        return await ask(provision(), {
          certificateOwnershipToken: certificate.certificateOwnershipToken,
          parameters: { ThingName: "fs-claimed-late", DeviceType: "freestyle" },
        });
      } finally {
        clock.advance(-61 * 60_000);
      }
    })();
    expect(answer.body).toMatchObject({
      errorCode: "InvalidCertificateOwnershipToken",
      errorMessage: expect.stringContaining("expired"),
    });
    expect(runtime.registry.isRegistered("fs-claimed-late")).toBe(false);
    expect(await healthMetric(runtime, "provisioning", "refused.token-expired")).toBeGreaterThanOrEqual(1);
    await client.endAsync();
  });

  it("runs the hook, which refuses another stage's thing or an unknown type, and leaves nothing registered", async () => {
    const { client, ask } = await claimConnection("factory-line-3", await claim());
    await client.subscribeAsync(`${CREATE}/+`, { qos: 1 });
    const { certificateOwnershipToken } = await created(ask);
    for (const parameters of [
      { ThingName: "prod_fs-1", DeviceType: "freestyle" },
      { ThingName: "fs-claimed-3", DeviceType: "toaster" },
    ]) {
      const answer = await ask(provision(), { certificateOwnershipToken, parameters });
      expect(answer.body).toMatchObject({ statusCode: 403, errorCode: "AccessDenied" });
    }
    // A refusal does not use the token up: the device may try again, right.
    const answer = await ask(provision(), {
      certificateOwnershipToken,
      parameters: { ThingName: "fs-claimed-3", DeviceType: "freestyle" },
    });
    expect(answer.topic).toBe(`${provision()}/accepted`);
    expect(runtime.registry.isRegistered("prod_fs-1")).toBe(false);
    const invocations = (await (
      await fetch(`${runtime.urls.http}/api/invocations?function=provisioningHook`)
    ).json()) as Array<{ trigger: string; status: string }>;
    // Invoked as a function, as AWS IoT invokes the hook: each answer recorded in the console.
    expect(invocations.filter((i) => i.trigger === "provisioning").length).toBeGreaterThanOrEqual(3);
    expect(await healthMetric(runtime, "provisioning", "refused.hook-refused")).toBeGreaterThanOrEqual(2);
    await client.endAsync();
  });

  it("refuses a template that names another stage's things, even without a hook", async () => {
    await iot.send(
      new CreateProvisioningTemplateCommand({
        templateName: "prod-named",
        enabled: true,
        provisioningRoleArn: "arn:aws:iam::000000000000:role/fleetline-provisioning",
        templateBody: JSON.stringify({
          Parameters: { Serial: { Type: "String" } },
          Resources: {
            thing: {
              Type: "AWS::IoT::Thing",
              Properties: {
                ThingName: { "Fn::Join": ["", ["prod_fs-", { Ref: "Serial" }]] },
                AttributePayload: { type: "freestyle" },
              },
            },
            certificate: {
              Type: "AWS::IoT::Certificate",
              Properties: { CertificateId: { Ref: "AWS::IoT::Certificate::Id" }, Status: "ACTIVE" },
            },
            policy: { Type: "AWS::IoT::Policy", Properties: { PolicyName: "fleetline-devices" } },
          },
        }),
      }),
    );
    const { client, ask } = await claimConnection("factory-line-4", await claim("prod-named"));
    await client.subscribeAsync(`${CREATE}/+`, { qos: 1 });
    const { certificateOwnershipToken } = await created(ask);
    const answer = await ask(provision("prod-named"), {
      certificateOwnershipToken,
      parameters: { Serial: "0001" },
    });
    expect(answer.body).toMatchObject({
      statusCode: 403,
      errorCode: "AccessDenied",
      errorMessage: expect.stringContaining("another stage"),
    });
    expect(runtime.registry.isRegistered("prod_fs-0001")).toBe(false);
    await client.endAsync();
  });

  it("lets a claim only provision: telemetry, or another template, disconnects it", async () => {
    const credentials = await claim();
    const { client } = await claimConnection("factory-line-5", credentials);
    client.publish("dt/fleetline/freestyle/factory-line-5/telemetry", "{}", { qos: 1 });
    await closed(client);
    const other = await claimConnection("factory-line-6", credentials);
    other.client.publish(provision("prod-named"), "{}", { qos: 1 });
    await closed(other.client);
    // Nor may it take a registered device's client id.
    await runtime.registry.register("fs-claim-victim", "freestyle");
    await expect(
      mqtt.connectAsync(info.mqttsUrl, {
        clientId: "fs-claim-victim",
        ...credentials,
        ca: info.caPem,
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow(/Not authorized/i);
  });
});
