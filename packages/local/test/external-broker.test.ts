import { TELEMETRY_RULE } from "@fleetline/core/pipeline";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiskFailures } from "../src/lib/disk-failures.js";
import { StandIns } from "../src/runtime/stand-ins.js";
import { healthMetric, rawPayloads, startRuntime, tempDir, waitFor } from "./helpers.js";
import { type Mosquitto, startMosquitto } from "./mosquitto.js";

const ports = { host: "127.0.0.1", mqttPort: 0, wsPort: 0, kinesisPort: 0 };
let mosquitto: Mosquitto;
let dir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  dir = await tempDir("external-broker");
  mosquitto = await startMosquitto(dir.path);
});

afterAll(async () => {
  await mosquitto?.stop();
  await dir?.remove();
});

const payloadsOn = (standIns: StandIns, thing: string) => rawPayloads(standIns.kinesis.client, thing);

describe("the rules engine on an external broker (--broker)", () => {
  it("acknowledges a message to the broker only once its actions are done: a runtime that stops first gets it again on its next start", async () => {
    const disk = new DiskFailures();
    const first = await StandIns.start({
      ...ports,
      brokerUrl: mosquitto.url,
      rules: [TELEMETRY_RULE],
      failures: { disk },
    });
    // Neither the stream nor the error queue can take anything: the message is held, unacknowledged.
    disk.full = true;
    const device = await mqtt.connectAsync(mosquitto.url, {
      clientId: "rb-ext-ack",
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    await device.publishAsync("dt/fleetline/robot/rb-ext-ack/telemetry", JSON.stringify({ seq: 1 }), {
      qos: 1,
    });
    await device.endAsync();
    await waitFor(() => first.engine.stats.held === 1, "the message to be held");
    await first.close();

    // The broker kept the rules engine's session and the message it never acknowledged.
    const second = await StandIns.start({ ...ports, brokerUrl: mosquitto.url, rules: [TELEMETRY_RULE] });
    try {
      const payloads = await waitFor(async () => {
        const found = await payloadsOn(second, "rb-ext-ack");
        return found.length > 0 ? found : undefined;
      }, "the message on the next runtime's raw stream");
      expect(payloads).toEqual([JSON.stringify({ seq: 1 })]);
    } finally {
      await second.close();
    }
  });

  it("picks up where it was after the broker restarts: messages queued for it while it was away are delivered", async () => {
    const persistent = await tempDir("mosquitto-persistent");
    const broker = await startMosquitto(persistent.path, { persistence: true });
    const standIns = await StandIns.start({ ...ports, brokerUrl: broker.url, rules: [TELEMETRY_RULE] });
    try {
      const publish = async (seq: number) => {
        const device = await mqtt.connectAsync(broker.url, {
          clientId: "fs-ext-restart",
          reconnectPeriod: 0,
        });
        await device.publishAsync(
          "dt/fleetline/freestyle/fs-ext-restart/telemetry",
          JSON.stringify({ seq }),
          {
            qos: 1,
          },
        );
        await device.endAsync();
      };
      await publish(1);
      await waitFor(
        async () => (await payloadsOn(standIns, "fs-ext-restart")).length === 1,
        "the first message",
      );
      await broker.restart();
      await publish(2);
      await waitFor(
        () => (standIns.brokers.source as unknown as { connected: boolean }).connected,
        "the reconnect",
      );
      await waitFor(
        async () => (await payloadsOn(standIns, "fs-ext-restart")).length === 2,
        "the second message",
      );
      expect(await payloadsOn(standIns, "fs-ext-restart")).toEqual(
        [1, 2].map((seq) => JSON.stringify({ seq })),
      );
    } finally {
      await standIns.close();
      await broker.stop();
      await persistent.remove();
    }
  });

  it("answers shadow requests and goes on taking telemetry: a reply never waits behind the message it answers", async () => {
    const runtime = await startRuntime({ brokerUrl: mosquitto.url });
    try {
      const device = await mqtt.connectAsync(mosquitto.url, {
        clientId: "fs-ext-shadow",
        reconnectPeriod: 0,
      });
      const replies: string[] = [];
      device.on("message", (topic) => replies.push(topic));
      await device.subscribeAsync("$aws/things/fs-ext-shadow/shadow/get/+", { qos: 1 });
      for (let i = 0; i < 3; i++) {
        await device.publishAsync("$aws/things/fs-ext-shadow/shadow/get", "{}", { qos: 1 });
      }
      await device.publishAsync("dt/fleetline/freestyle/fs-ext-shadow/telemetry", "{}", { qos: 1 });
      await waitFor(() => replies.length === 3, "three shadow replies");
      expect(replies).toEqual(Array(3).fill("$aws/things/fs-ext-shadow/shadow/get/rejected"));
      await waitFor(
        async () => (await healthMetric(runtime, "rules", "messages")) === 1,
        "the telemetry through the rules",
      );
      await device.endAsync();
    } finally {
      await runtime.stop();
    }
  });
});
