import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { ProvisioningRejected, provisionByClaim } from "@fleetline/device-client";
import { settle } from "@fleetline/testing";
import { mqtt as crtMqtt, iot } from "aws-iot-device-sdk-v2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevProcess, fleetlineAsync, freestyleTelemetry } from "../../packages/cli/test/dev-process.js";
import { simulateBriefly, startFirmwareRuntime, stopFirmwareRuntime } from "./firmware.js";

let dev: DevProcess;
let dir: string;
let port: number;

beforeAll(async () => {
  ({ dev, dir, port } = await startFirmwareRuntime("provisioning-", (scratch) => [
    "--data-dir",
    join(scratch, "data"),
  ]));
}, 60_000);

afterAll(() => stopFirmwareRuntime({ dev, dir }));

/** `fleetline provisioning claim --out DIR`: the claim files a factory flashes. */
async function claimFiles(out: string) {
  const run = await fleetlineAsync(["provisioning", "claim", "--url", dev.http, "--out", out]);
  expect(run.code, run.err).toBe(0);
  expect(run.out).toMatch(/^claim for fleetline-fleet in .*, valid until \d{4}-/);
  return {
    certPath: join(out, "claim.cert.pem"),
    keyPath: join(out, "claim.private.key"),
    caPath: join(out, "fleetline-ca.pem"),
  };
}

const health = async () =>
  (
    (await (await fetch(`${dev.http}/api/health`)).json()) as {
      components: Array<{ name: string; metrics: Record<string, number> }>;
    }
  ).components.find((c) => c.name === "provisioning")?.metrics ?? {};

describe("fleet provisioning by claim against fleetline dev", () => {
  it("provisions a device with the SDK v2 identity client from a claim the CLI wrote; its telemetry is then stored", async () => {
    const claim = await claimFiles(join(dir, "claim-a"));
    expect((await stat(claim.keyPath)).mode & 0o777).toBe(0o600);
    const device = await provisionByClaim({
      endpoint: "127.0.0.1",
      port,
      claim,
      clientId: "factory-a-0001",
      templateName: "fleetline-fleet",
      parameters: { ThingName: "fs-factory-1", DeviceType: "freestyle" },
    });
    expect(device.thingName).toBe("fs-factory-1");
    // The device now connects as its thing, with its own certificate, exactly as on AWS IoT Core.
    const config = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder(
      device.certificatePem,
      device.privateKey,
    )
      .with_certificate_authority(await readFile(claim.caPath, "utf8"))
      .with_endpoint("127.0.0.1")
      .with_port(port)
      .with_client_id("fs-factory-1")
      .with_clean_session(true)
      .build();
    const connection = new crtMqtt.MqttClient().new_connection(config);
    await connection.connect();
    try {
      await connection.publish(
        "dt/fleetline/freestyle/fs-factory-1/telemetry",
        freestyleTelemetry(1, Date.now()),
        crtMqtt.QoS.AtLeastOnce,
      );
    } finally {
      await connection.disconnect();
    }
    await settle(dev.http);
    const stored = (await (await fetch(`${dev.http}/api/devices/fs-factory-1`)).json()) as { seq: number };
    expect(stored.seq).toBe(1);
    expect((await health()).thingsProvisioned).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it("refuses through the identity client's rejected topic what the hook refuses, and registers nothing", async () => {
    const claim = await claimFiles(join(dir, "claim-b"));
    const refused = provisionByClaim({
      endpoint: "127.0.0.1",
      port,
      claim,
      clientId: "factory-b-0001",
      templateName: "fleetline-fleet",
      parameters: { ThingName: "prod_fs-factory-2", DeviceType: "freestyle" },
    });
    await expect(refused).rejects.toBeInstanceOf(ProvisioningRejected);
    await expect(refused).rejects.toMatchObject({ errorCode: "AccessDenied", statusCode: 403 });
    expect((await fetch(`${dev.http}/api/devices/prod_fs-factory-2`)).status).toBe(404);
    expect((await health())["refused.hook-refused"]).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it("runs a simulated fleet that provisions itself from a claim (fleetline simulate --provision-by-claim)", async () => {
    const { code, summary } = await simulateBriefly([
      "--url",
      dev.http,
      "--provision-by-claim",
      "--devices",
      "3",
      "--prefix",
      "claimed",
    ]);
    expect(code).toBe(0);
    expect(summary.acked).toBeGreaterThan(0);
    expect(summary.acked).toBe(summary.sent);
    const things = (await (await fetch(`${dev.http}/api/things`)).json()) as Array<{ thing: string }>;
    expect(things.filter((t) => t.thing.startsWith("claimed-")).length).toBe(3);
  }, 90_000);
});
