import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { RESERVED_THING_NAMES, RUNTIME_IDENTITIES } from "@fleetline/core/devices";
import { settle, waitFor } from "@fleetline/testing";
import { iot, iotjobs, iotshadow, mqtt5 } from "aws-iot-device-sdk-v2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type DevProcess,
  FREE_PORTS,
  fleetline,
  freestyleTelemetry,
  provisionCertificate,
} from "../../packages/cli/test/dev-process.js";
import {
  reportThroughShadow,
  runJobThroughSdk,
  startFirmwareRuntime,
  stopFirmwareRuntime,
} from "./firmware.js";

let dev: DevProcess;
let dir: string;
let port: number;

beforeAll(async () => {
  ({ dev, dir, port } = await startFirmwareRuntime("firmware-mqtt5-", () => ["--in-memory", "--mqtt5"]));
}, 60_000);

afterAll(() => stopFirmwareRuntime({ dev, dir }));

const provision = (thing: string) => provisionCertificate(dev.http, thing, dir);

/** The SDK v2's recommended client, MQTT 5 with the device's certificate, as firmware builds it for AWS. */
async function connect(
  files: { cert: string; key: string; ca: string },
  clientId: string,
): Promise<mqtt5.Mqtt5Client> {
  const builder = iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromPath(
    "127.0.0.1",
    files.cert,
    files.key,
  );
  builder.withCertificateAuthorityFromPath(undefined, files.ca);
  builder.withPort(port);
  builder.withConnectProperties({ clientId, keepAliveIntervalSeconds: 60 });
  const client = new mqtt5.Mqtt5Client(builder.build());
  const connected = once(client, "connectionSuccess");
  client.start();
  await connected;
  return client;
}

async function close(client: mqtt5.Mqtt5Client): Promise<void> {
  const stopped = once(client, "stopped");
  client.stop();
  await stopped;
  client.close();
}

describe("fleetline dev --mqtt5 (mosquitto with the local CA and an ACL from the registry)", () => {
  it("takes telemetry from the SDK's Mqtt5Client with its certificate into the store", async () => {
    const files = await provision("fs-mqtt5");
    const client = await connect(files, "fs-mqtt5");
    try {
      const puback = await client.publish({
        topicName: "dt/fleetline/freestyle/fs-mqtt5/telemetry",
        qos: mqtt5.QoS.AtLeastOnce,
        payload: freestyleTelemetry(1, Date.now()),
      });
      expect(puback?.reasonCode).toBe(mqtt5.PubackReasonCode.Success);
    } finally {
      await close(client);
    }
    await settle(dev.http);
    const device = (await (await fetch(`${dev.http}/api/devices/fs-mqtt5`)).json()) as { seq: number };
    expect(device.seq).toBe(1);
  }, 60_000);

  it("runs the SDK's shadow client over MQTT 5: the shadow service answers through mosquitto", async () => {
    const files = await provision("fs-mqtt5-shadow");
    const client = await connect(files, "fs-mqtt5-shadow");
    try {
      const shadow = iotshadow.IotShadowClient.newFromMqtt5Client(client);
      const accepted = await reportThroughShadow(shadow, "fs-mqtt5-shadow", { firmware: "2.0.0" });
      expect(accepted.state?.reported).toEqual({ firmware: "2.0.0" });
    } finally {
      await close(client);
    }
    const document = (await (await fetch(`${dev.http}/things/fs-mqtt5-shadow/shadow`)).json()) as {
      state: { reported: unknown };
    };
    expect(document.state.reported).toEqual({ firmware: "2.0.0" });
  }, 60_000);

  it("applies the device policy: another thing's topic is not authorized, nor is anything once the thing is removed", async () => {
    const files = await provision("fs-mqtt5-b");
    const client = await connect(files, "fs-mqtt5-b");
    try {
      const foreign = await client.publish({
        topicName: "dt/fleetline/freestyle/fs-mqtt5/telemetry",
        qos: mqtt5.QoS.AtLeastOnce,
        payload: freestyleTelemetry(2, Date.now()),
      });
      expect(foreign?.reasonCode).toBe(mqtt5.PubackReasonCode.NotAuthorized);
      expect(fleetline(["devices", "remove", "fs-mqtt5-b", "--url", dev.http]).code).toBe(0);
      const revoked = await client.publish({
        topicName: "dt/fleetline/freestyle/fs-mqtt5-b/telemetry",
        qos: mqtt5.QoS.AtLeastOnce,
        payload: freestyleTelemetry(1, Date.now()),
      });
      expect(revoked?.reasonCode).toBe(mqtt5.PubackReasonCode.NotAuthorized);
    } finally {
      await close(client);
    }
  }, 60_000);

  it("keeps the runtime's identities its own: no thing takes a reserved name, and no device the rules engine's session", async () => {
    for (const thing of [...RESERVED_THING_NAMES, RUNTIME_IDENTITIES.rulesEngine]) {
      const refused = await fetch(`${dev.http}/api/things`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ thing, type: "freestyle" }),
      });
      expect(refused.status, thing).toBe(400);
    }
    // A device asking for the rules engine's client id is given its own (its certificate's thing).
    const impostor = await connect(await provision("fs-mqtt5-impostor"), RUNTIME_IDENTITIES.rulesEngine);
    const files = await provision("fs-mqtt5-after");
    const client = await connect(files, "fs-mqtt5-after");
    try {
      await client.publish({
        topicName: "dt/fleetline/freestyle/fs-mqtt5-after/telemetry",
        qos: mqtt5.QoS.AtLeastOnce,
        payload: freestyleTelemetry(3, Date.now()),
      });
    } finally {
      await close(client);
      await close(impostor);
    }
    await settle(dev.http);
    const device = (await (await fetch(`${dev.http}/api/devices/fs-mqtt5-after`)).json()) as { seq: number };
    expect(device.seq).toBe(3);
  }, 60_000);

  it("runs a job created with @aws-sdk/client-iot through the SDK v2's IotJobsClient over MQTT 5", async () => {
    const files = await provisionCertificate(dev.http, "rb-jobs-5", dir, "robot");
    const client = await connect(files, "rb-jobs-5");
    try {
      const run = await runJobThroughSdk(
        dev.http,
        iotjobs.IotJobsClient.newFromMqtt5Client(client),
        "rb-jobs-5",
        "fw-sdk-5",
      );
      expect(run.started.execution).toMatchObject({ jobId: "fw-sdk-5", status: "IN_PROGRESS" });
      expect(run.updated.executionState).toMatchObject({ status: "SUCCEEDED" });
      expect(run.job).toMatchObject({ status: "COMPLETED" });
    } finally {
      await close(client);
    }
  }, 60_000);

  it("says at start that devices use their certificates on mosquitto, and which ports it does not serve", async () => {
    await waitFor(() => dev.output().includes("fleetline dev: --mqtt5:"), "the --mqtt5 note");
    expect(dev.output()).toContain(
      `fleetline dev: --mqtt5: devices connect to mosquitto on ${dev.ready.mqtts} with their certificates; the token and WebSocket ports are not served\n`,
    );
    expect(dev.ready.ws).toBeUndefined();
  });

  it("says in one line when mosquitto is missing", () => {
    const result = spawnSync(
      process.execPath,
      [
        fileURLToPath(new URL("../../packages/cli/bin/fleetline.js", import.meta.url)),
        "dev",
        "--in-memory",
        "--mqtt5",
        ...FREE_PORTS,
      ],
      {
        encoding: "utf8",
        env: { ...process.env, FLEETLINE_MOSQUITTO: "/nonexistent/mosquitto" },
        timeout: 60_000,
      },
    );
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      "fleetline dev: --mqtt5 runs mosquitto, which is not installed at /nonexistent/mosquitto: apt-get install mosquitto (or set FLEETLINE_MOSQUITTO to its path)",
    );
  }, 60_000);
});
