import { STREAMS, TELEMETRY_RULE } from "@fleetline/core/pipeline";
import { RuleEnvelope } from "@fleetline/core/telemetry";
import type { KinesisStreamEvent } from "aws-lambda";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StandIns } from "../src/runtime/stand-ins.js";
import { connectDevice, tempDir, waitFor } from "./helpers.js";
import { startMosquitto } from "./mosquitto.js";

/** A test handler standing in for the validate function: it keeps the envelopes it is given. */
function collector() {
  const envelopes: RuleEnvelope[] = [];
  const handler = async (event: KinesisStreamEvent) => {
    for (const record of event.Records) {
      envelopes.push(RuleEnvelope.parse(JSON.parse(Buffer.from(record.kinesis.data, "base64").toString())));
    }
  };
  return { envelopes, handler };
}

const ports = { host: "127.0.0.1", mqttPort: 0, wsPort: 0, kinesisPort: 0 };

describe("broker → rule → stream → handler, on the embedded broker", () => {
  let standIns: StandIns;
  const { envelopes, handler } = collector();

  beforeAll(async () => {
    standIns = await StandIns.start({ ...ports, rules: [TELEMETRY_RULE] });
    await standIns.eventSources.add({ functionName: "collect", streamName: STREAMS.raw, handler });
  });

  afterAll(async () => {
    await standIns.close();
  });

  it("delivers each published message to the handler, with the publisher's client id", async () => {
    const { token } = await standIns.registry.register("fs-flow-1", "freestyle");
    const device = await connectDevice(standIns.mqttUrl, "fs-flow-1", token);
    for (let seq = 0; seq < 20; seq++) {
      await device.publishAsync("dt/fleetline/freestyle/fs-flow-1/telemetry", JSON.stringify({ seq }), {
        qos: 1,
      });
    }
    await device.endAsync();
    await waitFor(() => envelopes.length === 20, "20 envelopes");
    expect(envelopes.every((e) => e.clientId === "fs-flow-1" && e.thing === "fs-flow-1")).toBe(true);
    const seqs = envelopes.map((e) => JSON.parse(Buffer.from(e.payload, "base64").toString()).seq);
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, seq) => seq));
  });
});

describe("broker → rule → stream → handler, through an external mosquitto broker", () => {
  let standIns: StandIns;
  let mosquitto: Awaited<ReturnType<typeof startMosquitto>>;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const { envelopes, handler } = collector();

  beforeAll(async () => {
    dir = await tempDir("mosquitto");
    mosquitto = await startMosquitto(dir.path);
    standIns = await StandIns.start({ ...ports, brokerUrl: mosquitto.url, rules: [TELEMETRY_RULE] });
    await standIns.eventSources.add({ functionName: "collect", streamName: STREAMS.raw, handler });
  });

  afterAll(async () => {
    await standIns?.close();
    await mosquitto?.stop();
    await dir?.remove();
  });

  it("runs the same rule on messages published to mosquitto over MQTT 5", async () => {
    const device = await mqtt.connectAsync(mosquitto.url, {
      clientId: "rb-flow-m5",
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    for (let seq = 0; seq < 20; seq++) {
      await device.publishAsync("dt/fleetline/robot/rb-flow-m5/telemetry", JSON.stringify({ seq }), {
        qos: 1,
      });
    }
    await device.publishAsync("dt/fleetline/robot/rb-flow-m5/telemetry", "not json", { qos: 1 });
    await device.endAsync();
    await waitFor(() => envelopes.length === 21, "21 envelopes");
    expect(envelopes[0]).toMatchObject({ thing: "rb-flow-m5", type: "robot", clientId: "rb-flow-m5" });
    const payloads = envelopes.map((e) => Buffer.from(e.payload, "base64").toString());
    expect(payloads.at(-1)).toBe("not json");
    expect(payloads.slice(0, 20).map((p) => JSON.parse(p).seq)).toEqual(
      Array.from({ length: 20 }, (_, seq) => seq),
    );
  });
});
