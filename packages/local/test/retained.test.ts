import {
  GetRetainedMessageCommand,
  type IoTDataPlaneClient,
  ListRetainedMessagesCommand,
  PublishCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-iot-data-plane";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../src/runtime/runtime.js";
import { closed, connectDevice, localDataPlane, startRuntime, tempDir, waitFor } from "./helpers.js";

let dir: { path: string; remove(): Promise<void> };
let runtime: Runtime;
let dataPlane: IoTDataPlaneClient;

beforeAll(async () => {
  dir = await tempDir("retained");
  runtime = await startRuntime({ dataDir: dir.path });
  dataPlane = localDataPlane(runtime.urls.http);
});

afterAll(async () => {
  dataPlane?.destroy();
  await runtime?.stop();
  await dir?.remove();
});

const report = (seq: number) =>
  JSON.stringify({
    v: 1,
    seq,
    ts: Date.now(),
    metrics: { batteryPct: 80, state: "docked", binFull: false, x: 0, y: 0, areaM2: 0, rssiDbm: -50 },
  });

/** A service client (as a backend would subscribe) recording what it receives, retain flag included. */
async function subscriber(clientId: string, filter: string) {
  const client = await mqtt.connectAsync(runtime.urls.mqtt, {
    ...runtime.serviceCredentials,
    clientId,
    reconnectPeriod: 0,
  });
  const received: Array<{ topic: string; retain: boolean; payload: string }> = [];
  client.on("message", (topic, payload, packet) =>
    received.push({ topic, retain: packet.retain, payload: payload.toString() }),
  );
  await client.subscribeAsync(filter, { qos: 1 });
  return { client, received };
}

describe("retained messages, as AWS IoT Core keeps them", () => {
  it("keeps a device's retained telemetry, hands it to an exact subscription, not a wildcard one, and forgets it on an empty one", async () => {
    const { token } = await runtime.registry.register("rb-ret-1", "robot");
    const device = await connectDevice(runtime.urls.mqtt, "rb-ret-1", token);
    const topic = "dt/fleetline/robot/rb-ret-1/telemetry";
    await device.publishAsync(topic, report(1), { qos: 1, retain: true });

    const exact = await subscriber("ret-exact", topic);
    await waitFor(() => exact.received.length === 1, "the retained message");
    expect(exact.received[0]).toMatchObject({ topic, retain: true });
    expect(JSON.parse(exact.received[0]?.payload ?? "{}")).toMatchObject({ seq: 1 });
    // Not through a wildcard: a marker published after shows it got nothing before.
    const wildcard = await subscriber("ret-wild", "dt/fleetline/robot/+/telemetry");
    await device.publishAsync(topic, report(2), { qos: 1 });
    await waitFor(() => wildcard.received.length === 1 && exact.received.length === 2, "the marker");
    expect(wildcard.received.map((m) => [JSON.parse(m.payload).seq, m.retain])).toEqual([[2, false]]);
    expect(exact.received.map((m) => [JSON.parse(m.payload).seq, m.retain])).toEqual([
      [1, true],
      [2, false],
    ]);

    // Through the Data Plane: the same message, and the list.
    const got = await dataPlane.send(new GetRetainedMessageCommand({ topic }));
    expect(got).toMatchObject({ topic, qos: 1, lastModifiedTime: expect.any(Number) });
    expect(JSON.parse(new TextDecoder().decode(got.payload))).toMatchObject({ seq: 1 });
    expect((await dataPlane.send(new ListRetainedMessagesCommand({}))).retainedTopics).toContainEqual(
      expect.objectContaining({ topic, qos: 1, payloadSize: got.payload?.length }),
    );

    // An empty retained publish deletes it.
    await device.publishAsync(topic, "", { qos: 1, retain: true });
    await expect(dataPlane.send(new GetRetainedMessageCommand({ topic }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    for (const c of [device, exact.client, wildcard.client]) await c.endAsync();
  });

  it("keeps what the Data Plane publishes with retain across a restart", async () => {
    await dataPlane.send(
      new PublishCommand({
        topic: "alerts/fleetline/robot/rb-ret-2",
        qos: 1,
        retain: true,
        payload: new TextEncoder().encode('{"notice":"maintenance at noon"}'),
      }),
    );
    const before = await dataPlane.send(
      new GetRetainedMessageCommand({ topic: "alerts/fleetline/robot/rb-ret-2" }),
    );
    expect(new TextDecoder().decode(before.payload)).toBe('{"notice":"maintenance at noon"}');
    await runtime.stop();
    runtime = await startRuntime({ dataDir: dir.path });
    dataPlane.destroy();
    dataPlane = localDataPlane(runtime.urls.http);
    // A device subscribing to its alerts topic gets it, as a retained message.
    const { token } = await runtime.registry.register("rb-ret-2", "robot");
    const device = await connectDevice(runtime.urls.mqtt, "rb-ret-2", token);
    const received: Array<{ payload: string; retain: boolean }> = [];
    device.on("message", (_t, payload, packet) =>
      received.push({ payload: payload.toString(), retain: packet.retain }),
    );
    await device.subscribeAsync("alerts/fleetline/robot/rb-ret-2", { qos: 1 });
    await waitFor(() => received.length === 1, "the retained alert");
    expect(received).toEqual([{ payload: '{"notice":"maintenance at noon"}', retain: true }]);
    await device.endAsync();
  });

  it("disconnects a device that retains outside its telemetry topic or on a reserved topic, keeping nothing", async () => {
    const { token } = await runtime.registry.register("rb-ret-3", "robot");
    for (const topic of ["$aws/things/rb-ret-3/shadow/update", "dt/fleetline/robot/rb-ret-9/telemetry"]) {
      const device: MqttClient = await connectDevice(runtime.urls.mqtt, "rb-ret-3", token);
      const gone = closed(device);
      device.publish(topic, "{}", { qos: 1, retain: true });
      await gone;
      device.end(true);
    }
    const listed = (await dataPlane.send(new ListRetainedMessagesCommand({}))).retainedTopics ?? [];
    expect(listed.map((m) => m.topic)).not.toContain("dt/fleetline/robot/rb-ret-9/telemetry");
    expect(listed.map((m) => m.topic)).not.toContain("$aws/things/rb-ret-3/shadow/update");
  });
});
