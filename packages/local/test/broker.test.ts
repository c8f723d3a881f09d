import { createServer } from "node:net";
import { mqtt as crtMqtt, iot } from "aws-iot-device-sdk-v2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalBroker } from "../src/iot/broker/broker.js";
import { type BrokerFixture, closed, connectDevice, startBroker, waitFor } from "./helpers.js";

let fixture: BrokerFixture;

beforeAll(async () => {
  fixture = await startBroker();
});

afterAll(async () => {
  await fixture.close();
});

async function device(thing: string, type: "freestyle" | "robot" = "freestyle") {
  const { token } = await fixture.registry.register(thing, type);
  return token;
}

describe("the local broker", () => {
  it("lets a registered device connect and publish QoS 1 telemetry on its own topic", async () => {
    const token = await device("fs-broker-ok");
    const client = await connectDevice(fixture.broker.mqttUrl, "fs-broker-ok", token);
    // publishAsync resolves only once the broker's PUBACK arrives.
    await expect(
      client.publishAsync("dt/fleetline/freestyle/fs-broker-ok/telemetry", "{}", { qos: 1 }),
    ).resolves.toBeDefined();
    await client.endAsync();
  });

  it("refuses a wrong token with CONNACK 4 and counts it", async () => {
    await device("fs-broker-badtoken");
    const before = fixture.broker.refusals["bad-credentials"];
    await expect(connectDevice(fixture.broker.mqttUrl, "fs-broker-badtoken", "nope")).rejects.toMatchObject({
      code: 4,
    });
    expect(fixture.broker.refusals["bad-credentials"]).toBe(before + 1);
  });

  it("refuses an unknown thing with the CONNACK 4 a wrong token gets, so names cannot be probed, and counts it apart", async () => {
    await expect(connectDevice(fixture.broker.mqttUrl, "fs-broker-ghost", "token")).rejects.toMatchObject({
      code: 4,
    });
    expect(fixture.broker.refusals["unknown-thing"]).toBeGreaterThan(0);
  });

  it("refuses a client id that is not the thing name with CONNACK 2", async () => {
    const token = await device("fs-broker-id");
    await expect(
      connectDevice(fixture.broker.mqttUrl, "fs-broker-id", token, { clientId: "someone-else" }),
    ).rejects.toMatchObject({ code: 2 });
    expect(fixture.broker.refusals["client-id-mismatch"]).toBeGreaterThan(0);
  });

  it("disconnects a device that publishes on another thing's topic, as AWS IoT Core does", async () => {
    const token = await device("fs-broker-pub");
    const client = await connectDevice(fixture.broker.mqttUrl, "fs-broker-pub", token);
    const gone = closed(client);
    client.publish("dt/fleetline/freestyle/fs-victim/telemetry", "{}", { qos: 1 });
    await gone;
    expect(fixture.broker.refusals["publish-denied"]).toBeGreaterThan(0);
    client.end(true);
  });

  it("says why it refused a publish: a dispenser publishing as a robot", async () => {
    const token = await device("fs-broker-as-robot");
    const client = await connectDevice(fixture.broker.mqttUrl, "fs-broker-as-robot", token);
    let listener: (refused: { refusal: string; clientId: string; detail: string }) => void = () => {};
    const said = new Promise<{ refusal: string; clientId: string; detail: string }>((resolve) => {
      listener = (refused) => {
        if (refused.clientId === "fs-broker-as-robot") resolve(refused);
      };
      fixture.broker.on("refused", listener);
    });
    const gone = closed(client);
    client.publish("dt/fleetline/robot/fs-broker-as-robot/telemetry", "{}", { qos: 1 });
    const refused = await said;
    fixture.broker.off("refused", listener);
    expect(refused).toEqual({
      refusal: "publish-denied",
      clientId: "fs-broker-as-robot",
      detail:
        "fs-broker-as-robot is registered as a freestyle but published as a robot on dt/fleetline/robot/fs-broker-as-robot/telemetry; it may publish only on dt/fleetline/freestyle/fs-broker-as-robot/telemetry",
    });
    await gone;
    client.end(true);
  });

  it("answers SUBACK 0x80 to a subscription to another thing's shadow, and grants its own", async () => {
    const token = await device("fs-broker-sub");
    const client = await connectDevice(fixture.broker.mqttUrl, "fs-broker-sub", token);
    const before = fixture.broker.refusals["subscribe-denied"];
    await expect(
      client.subscribeAsync("$aws/things/fs-victim/shadow/update/delta", { qos: 1 }),
    ).rejects.toMatchObject({
      packet: { granted: [128] },
    });
    expect(fixture.broker.refusals["subscribe-denied"]).toBe(before + 1);
    const granted = await client.subscribeAsync("$aws/things/fs-broker-sub/shadow/update/delta", { qos: 1 });
    expect(granted[0]?.qos).toBe(1);
    expect(client.connected).toBe(true);
    await client.endAsync();
  });

  it("holds at most 50 subscriptions a connection, as IoT Core: the 51st gets SUBACK 0x80, a renewal does not count", async () => {
    const token = await device("fs-broker-subs");
    const client = await connectDevice(fixture.broker.mqttUrl, "fs-broker-subs", token);
    const filter = (n: number) => `$aws/things/fs-broker-subs/shadow/name/s${n}/update/delta`;
    for (let n = 0; n < 50; n += 5)
      await client.subscribeAsync(
        [0, 1, 2, 3, 4].map((i) => filter(n + i)),
        { qos: 1 },
      );
    const before = fixture.broker.refusals["subscription-limit"];
    await expect(client.subscribeAsync(filter(50), { qos: 1 })).rejects.toMatchObject({
      packet: { granted: [128] },
    });
    expect(fixture.broker.refusals["subscription-limit"]).toBe(before + 1);
    // Subscribing again to one it holds is no new subscription; after an unsubscribe there is room.
    expect((await client.subscribeAsync(filter(7), { qos: 0 }))[0]?.qos).toBe(0);
    await client.unsubscribeAsync(filter(3));
    expect((await client.subscribeAsync(filter(50), { qos: 1 }))[0]?.qos).toBe(1);
    expect(client.connected).toBe(true);
    await client.endAsync();
  });

  it("does not grant QoS 2: SUBACK 0x80 to a QoS 2 subscription, disconnect on a QoS 2 publish", async () => {
    const token = await device("fs-broker-qos");
    const client = await connectDevice(fixture.broker.mqttUrl, "fs-broker-qos", token);
    await expect(
      client.subscribeAsync("alerts/fleetline/freestyle/fs-broker-qos", { qos: 2 }),
    ).rejects.toMatchObject({
      packet: { granted: [128] },
    });
    expect(fixture.broker.refusals["qos2-subscribe"]).toBe(1);
    const gone = closed(client);
    client.publish("dt/fleetline/freestyle/fs-broker-qos/telemetry", "{}", { qos: 2 });
    await gone;
    expect(fixture.broker.refusals["qos2-publish"]).toBeGreaterThan(0);
    client.end(true);
  });

  it("disconnects a device that publishes more than 128 KB", async () => {
    const token = await device("fs-broker-big");
    const client = await connectDevice(fixture.broker.mqttUrl, "fs-broker-big", token);
    const gone = closed(client);
    client.publish("dt/fleetline/freestyle/fs-broker-big/telemetry", Buffer.alloc(128 * 1024 + 1, 32), {
      qos: 1,
    });
    await gone;
    expect(fixture.broker.refusals["payload-too-large"]).toBeGreaterThan(0);
    client.end(true);
  });

  it("closes a removed thing's connection and stops accepting its token", async () => {
    const token = await device("fs-broker-revoked");
    const client = await connectDevice(fixture.broker.mqttUrl, "fs-broker-revoked", token);
    const gone = closed(client);
    await fixture.registry.remove("fs-broker-revoked");
    await gone;
    client.end(true);
    await expect(connectDevice(fixture.broker.mqttUrl, "fs-broker-revoked", token)).rejects.toMatchObject({
      code: 4,
    });
  });

  it("speaks MQTT over WebSocket on /mqtt with the same authentication", async () => {
    const token = await device("rb-broker-ws", "robot");
    const client = await connectDevice(fixture.broker.wsUrl, "rb-broker-ws", token);
    await expect(
      client.publishAsync("dt/fleetline/robot/rb-broker-ws/telemetry", "{}", { qos: 1 }),
    ).resolves.toBeDefined();
    await client.endAsync();
  });

  it("accepts the AWS IoT Device SDK v2 (MQTT 3.1.1), whose username carries ?SDK=", async () => {
    const token = await device("rb-broker-sdk", "robot");
    const url = new URL(fixture.broker.mqttUrl);
    // The SDK's iot.* builders force TLS; the local broker speaks plain TCP.
    const config = iot.AwsIotMqttConnectionConfigBuilder.new_default_builder()
      .with_endpoint(url.hostname)
      .with_port(Number(url.port))
      .with_client_id("rb-broker-sdk")
      .with_clean_session(true)
      .with_username("rb-broker-sdk")
      .with_password(token)
      .build();
    Object.assign(config, { tls_ctx: undefined });
    const usernames: string[] = [];
    fixture.broker.on("authenticated", ({ clientId, username }) => {
      if (clientId === "rb-broker-sdk") usernames.push(username);
    });
    const client = new crtMqtt.MqttClient();
    const connection = client.new_connection(config);
    try {
      await connection.connect();
      const published = await connection.publish(
        "dt/fleetline/robot/rb-broker-sdk/telemetry",
        "{}",
        crtMqtt.QoS.AtLeastOnce,
      );
      expect(published.packet_id).toBeGreaterThan(0);
      expect(usernames).toEqual([expect.stringMatching(/^rb-broker-sdk\?SDK=/)]);
    } finally {
      await connection.disconnect();
    }
  });

  it("reports a port in use by component and flag, not as EADDRINUSE", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(
        LocalBroker.start({ host: "127.0.0.1", mqttPort: port, wsPort: 0, registry: fixture.registry }),
      ).rejects.toThrow(`MQTT port ${port} is in use; pass --mqtt-port`);
    } finally {
      blocker.close();
    }
    await waitFor(() => !blocker.listening, "blocker closed");
  });
});
