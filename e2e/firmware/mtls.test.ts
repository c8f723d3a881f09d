import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { CertificateAuthority } from "@fleetline/local";
import { planFleet } from "@fleetline/simulator";
import { settle, waitFor } from "@fleetline/testing";
import { mqtt as crtMqtt, iot, iotjobs, iotshadow } from "aws-iot-device-sdk-v2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type DevProcess,
  fleetlineAsync,
  freestyleTelemetry,
  provisionCertificate,
} from "../../packages/cli/test/dev-process.js";
import {
  brokerMetric,
  reportThroughShadow,
  runJobThroughSdk,
  simulateBriefly,
  startFirmwareRuntime,
  stopFirmwareRuntime,
} from "./firmware.js";

let dev: DevProcess;
let dir: string;
let port: number;

beforeAll(async () => {
  ({ dev, dir, port } = await startFirmwareRuntime("firmware-", (scratch) => [
    "--data-dir",
    join(scratch, "data"),
  ]));
}, 60_000);

afterAll(() => stopFirmwareRuntime({ dev, dir }));

const provision = (thing: string) => provisionCertificate(dev.http, thing, join(dir, "certs"));

/** The official SDK v2's mTLS builder, exactly as firmware builds it for AWS IoT Core. */
function sdkConnection(files: { cert: string; key: string; ca: string }, clientId: string) {
  const config = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder_from_path(files.cert, files.key)
    .with_certificate_authority_from_path(undefined, files.ca)
    .with_endpoint("127.0.0.1")
    .with_port(port)
    .with_client_id(clientId)
    .with_clean_session(true)
    .build();
  return new crtMqtt.MqttClient().new_connection(config);
}

const refused = () => brokerMetric(dev.http, "refused");

describe("firmware's own mTLS code against fleetline dev", () => {
  it("connects the SDK v2 mTLS builder with the device's certificate, publishes telemetry that is stored, and runs the shadow client", async () => {
    const files = await provision("fs-mtls");
    expect((await stat(files.key)).mode & 0o777).toBe(0o600);
    expect(await readFile(files.ca, "utf8")).toContain("BEGIN CERTIFICATE");
    const connection = sdkConnection(files, "fs-mtls");
    await connection.connect();
    try {
      await connection.publish(
        "dt/fleetline/freestyle/fs-mtls/telemetry",
        freestyleTelemetry(1, Date.now()),
        crtMqtt.QoS.AtLeastOnce,
      );
      const shadow = new iotshadow.IotShadowClient(connection);
      const accepted = await reportThroughShadow(shadow, "fs-mtls", { firmware: "1.2.3" });
      expect(accepted.state?.reported).toEqual({ firmware: "1.2.3" });
    } finally {
      await connection.disconnect();
    }
    await settle(dev.http);
    const device = (await (await fetch(`${dev.http}/api/devices/fs-mtls`)).json()) as { seq: number };
    expect(device.seq).toBe(1);
  }, 60_000);

  it("runs a job created with @aws-sdk/client-iot through the SDK v2's IotJobsClient (MQTT 3.1.1)", async () => {
    const files = await provisionCertificate(dev.http, "rb-jobs-sdk", join(dir, "certs"), "robot");
    const connection = sdkConnection(files, "rb-jobs-sdk");
    await connection.connect();
    try {
      const run = await runJobThroughSdk(
        dev.http,
        new iotjobs.IotJobsClient(connection),
        "rb-jobs-sdk",
        "fw-sdk-311",
      );
      expect(run.next.execution).toMatchObject({
        jobId: "fw-sdk-311",
        status: "QUEUED",
        jobDocument: { operation: "firmware", version: "2.0.0" },
      });
      expect(run.started).toMatchObject({
        clientToken: "sdk-1",
        execution: { status: "IN_PROGRESS", versionNumber: 2 },
      });
      expect(run.updated.executionState).toMatchObject({
        status: "SUCCEEDED",
        statusDetails: { firmware: "2.0.0" },
      });
      expect(run.job).toMatchObject({
        status: "COMPLETED",
        jobProcessDetails: { numberOfSucceededThings: 1 },
      });
    } finally {
      await connection.disconnect();
    }
  }, 60_000);

  it("refuses thing A's certificate under client id B with CONNACK not authorized, counted, and keeps serving", async () => {
    const files = await provision("fs-mtls-a");
    const before = await refused();
    await expect(sdkConnection(files, "fs-mtls-b").connect()).rejects.toThrow();
    expect(await refused()).toBe(before + 1);
    const good = sdkConnection(files, "fs-mtls-a");
    await good.connect();
    await good.disconnect();
  }, 60_000);

  it("cuts a revoked device's connection and refuses its certificate from then on", async () => {
    const files = await provision("fs-revoked");
    const connection = sdkConnection(files, "fs-revoked");
    let interrupted = false;
    connection.on("interrupt", () => {
      interrupted = true;
    });
    await connection.connect();
    const removed = await fleetlineAsync(["devices", "remove", "fs-revoked", "--url", dev.http]);
    expect(removed.code).toBe(0);
    await waitFor(() => interrupted, "the revoked device's connection to be cut");
    await connection.disconnect().catch(() => undefined);
    const before = await refused();
    await expect(sdkConnection(files, "fs-revoked").connect()).rejects.toThrow();
    expect(await refused()).toBeGreaterThan(before);
  }, 60_000);

  it("refuses at the handshake a client without a certificate, with another CA's, or with an expired one", async () => {
    const files = await provision("fs-handshake");
    const ca = await readFile(files.ca, "utf8");
    const other = await CertificateAuthority.open(undefined);
    const foreign = await other.issueDevice("fs-handshake");
    // The runtime's own CA, from its data dir: a certificate it signed, but long expired.
    const own = await CertificateAuthority.open(join(dir, "data", "ca"));
    const expired = await own.issueDevice("fs-handshake", Date.now() - 400 * 86_400_000, 30);
    const attempts: Array<{ cert?: string; key?: string }> = [
      {},
      { cert: foreign.certificatePem, key: foreign.privateKeyPem },
      { cert: expired.certificatePem, key: expired.privateKeyPem },
    ];
    const before = await refused();
    for (const attempt of attempts) {
      const outcome = await new Promise<string>((resolve) => {
        const socket = tlsConnect(
          { host: "127.0.0.1", port, ca, servername: "localhost", ...attempt },
          () => {
            // TLS 1.3 reports a refused client certificate after the handshake: the server closes.
            socket.once("close", () => resolve("closed"));
            socket.write(Buffer.from([0x10, 0x00]));
          },
        );
        socket.once("error", (error) => resolve(error.message));
      });
      expect(outcome).toBeTruthy();
    }
    // Each refused at the handshake, and counted: nothing got as far as a CONNECT.
    await waitFor(async () => (await refused()) >= before + 3, "three refused handshakes");
    expect(await refused()).toBe(before + 3);
    const good = sdkConnection(files, "fs-handshake");
    await good.connect();
    await good.disconnect();
  }, 60_000);

  it("runs fleetline simulate --target aws against the local mTLS port, every report acknowledged", async () => {
    // The fleet simulate plans for --target aws (its things carry the stage's prefix, prod_).
    const fleet = planFleet({
      devices: 4,
      type: "mixed",
      seed: "fleetline",
      faults: "none",
      prefix: "prod_sim",
    });
    const certs = join(dir, "sim-certs");
    for (const { thing, type } of fleet) await provisionCertificate(dev.http, thing, certs, type);
    const { code, summary } = await simulateBriefly([
      "--target",
      "aws",
      "--endpoint",
      `127.0.0.1:${port}`,
      "--certs",
      certs,
      "--devices",
      "4",
    ]);
    expect(code).toBe(0);
    expect(summary.sent).toBeGreaterThan(0);
    expect(summary.acked).toBe(summary.sent);
  }, 90_000);

  it("runs fleetline simulate --mtls: every simulated device with a certificate of its own", async () => {
    const { code, summary } = await simulateBriefly([
      "--url",
      dev.http,
      "--mtls",
      "--prefix",
      "mtls-sim",
      "--devices",
      "6",
    ]);
    expect(code).toBe(0);
    expect(summary.sent).toBeGreaterThan(0);
    expect(summary.acked).toBe(summary.sent);
    expect(await brokerMetric(dev.http, "connectionsOpened")).toBeGreaterThanOrEqual(6);
  }, 90_000);
});
