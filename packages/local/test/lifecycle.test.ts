import { connect as tcpConnect } from "node:net";
import {
  DeleteConnectionCommand,
  ForbiddenException,
  GetConnectionCommand,
  type IoTDataPlaneClient,
  ListSubscriptionsCommand,
  ResourceNotFoundException,
  SendDirectMessageCommand,
} from "@aws-sdk/client-iot-data-plane";
import mqtt, { type MqttClient } from "mqtt";
import { generate } from "mqtt-packet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../src/runtime/runtime.js";
import { closed, connectDevice, localDataPlane, startRuntime, waitFor } from "./helpers.js";

let runtime: Runtime;
let events: MqttClient;
let dataPlane: IoTDataPlaneClient;
const seen: Array<{ topic: string; event: Record<string, unknown> }> = [];

beforeAll(async () => {
  // IoT Core's keep-alive floor (30 s) lifted: the keep-alive timeout test asks for 1 s.
  runtime = await startRuntime({ iotLimits: false });
  const service = runtime.serviceCredentials;
  if (!service) throw new Error("the embedded broker has service credentials");
  // As a backend watching the fleet: every lifecycle event.
  events = await mqtt.connectAsync(runtime.urls.mqtt, {
    ...service,
    clientId: "lifecycle-watcher",
    reconnectPeriod: 0,
  });
  events.on("message", (topic, payload) => seen.push({ topic, event: JSON.parse(payload.toString()) }));
  await events.subscribeAsync("$aws/events/#", { qos: 1 });
  dataPlane = localDataPlane(runtime.urls.http);
});

afterAll(async () => {
  dataPlane?.destroy();
  await events?.endAsync();
  await runtime?.stop();
});

const eventsOf = (clientId: string, type?: string): Array<Record<string, unknown>> =>
  seen
    .filter(({ event }) => event.clientId === clientId && (type === undefined || event.eventType === type))
    .map(({ topic, event }) => ({ topic, ...event }));

async function device(thing: string, extra = {}): Promise<{ client: MqttClient; token: string }> {
  const { token } = await runtime.registry.register(thing, "robot");
  return { client: await connectDevice(runtime.urls.mqtt, thing, token, extra), token };
}

describe("lifecycle events, as AWS IoT Core publishes them", () => {
  it("publishes connected, subscribed and disconnected with one session and version, and the reason", async () => {
    const { client } = await device("rb-life-1", { keepalive: 30 });
    await client.subscribeAsync("alerts/fleetline/robot/rb-life-1", { qos: 1 });
    await client.endAsync();
    await waitFor(() => eventsOf("rb-life-1", "disconnected").length === 1, "the disconnected event");
    const [connected] = eventsOf("rb-life-1", "connected");
    expect(connected).toMatchObject({
      topic: "$aws/events/presence/connected/rb-life-1",
      clientId: "rb-life-1",
      eventType: "connected",
      principalIdentifier: "rb-life-1",
      ipAddress: "127.0.0.1",
      timestamp: expect.any(Number),
      versionNumber: expect.any(Number),
      sessionIdentifier: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(eventsOf("rb-life-1", "subscribed")).toEqual([
      expect.objectContaining({
        topic: "$aws/events/subscriptions/subscribed/rb-life-1",
        topics: ["alerts/fleetline/robot/rb-life-1"],
        sessionIdentifier: connected?.sessionIdentifier,
      }),
    ]);
    expect(eventsOf("rb-life-1", "disconnected")).toEqual([
      expect.objectContaining({
        topic: "$aws/events/presence/disconnected/rb-life-1",
        clientInitiatedDisconnect: true,
        disconnectReason: "CLIENT_INITIATED_DISCONNECT",
        sessionIdentifier: connected?.sessionIdentifier,
        versionNumber: connected?.versionNumber,
      }),
    ]);
  });

  it("names each way a connection ends: a second connection with the id, a refused publish, a lost socket, a silent client", async () => {
    const first = await device("rb-life-2");
    const gone = closed(first.client);
    const second = await connectDevice(runtime.urls.mqtt, "rb-life-2", first.token);
    await gone;
    first.client.end(true);
    // Publishing on another thing's topic: AWS IoT Core disconnects with AUTH_ERROR.
    const refused = closed(second);
    second.publish("dt/fleetline/robot/rb-other/telemetry", "{}", { qos: 1 });
    await refused;
    second.end(true);
    const third = await connectDevice(runtime.urls.mqtt, "rb-life-2", first.token);
    third.stream.destroy();
    await waitFor(() => eventsOf("rb-life-2", "disconnected").length === 3, "three disconnects");
    const versions = eventsOf("rb-life-2", "connected").map((e) => e.versionNumber as number);
    expect(versions).toHaveLength(3);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(new Set(versions).size).toBe(3);
    expect(
      eventsOf("rb-life-2", "disconnected")
        .sort((a, b) => (a.versionNumber as number) - (b.versionNumber as number))
        .map((e) => [e.disconnectReason, e.clientInitiatedDisconnect]),
    ).toEqual([
      ["DUPLICATE_CLIENTID", false],
      ["AUTH_ERROR", false],
      ["CONNECTION_LOST", false],
    ]);

    // A client that stops talking is dropped after 1.5 × its keep-alive.
    const { token } = await runtime.registry.register("rb-life-3", "robot");
    const port = Number(new URL(runtime.urls.mqtt).port);
    const socket = tcpConnect(port, "127.0.0.1");
    socket.on("error", () => undefined);
    socket.write(
      generate({
        cmd: "connect",
        protocolId: "MQTT",
        protocolVersion: 4,
        clean: true,
        clientId: "rb-life-3",
        keepalive: 1,
        username: "rb-life-3",
        password: Buffer.from(token),
      }),
    );
    await waitFor(() => eventsOf("rb-life-3", "disconnected").length === 1, "a keep-alive timeout", 10_000);
    expect(eventsOf("rb-life-3", "disconnected")[0]).toMatchObject({
      disconnectReason: "MQTT_KEEP_ALIVE_TIMEOUT",
    });
    socket.destroy();
  });
});

describe("the IoT Data Plane's connection operations through @aws-sdk/client-iot-data-plane", () => {
  it("describes a connection and its subscriptions, sends a direct message it confirms, and deletes the connection", async () => {
    const { client } = await device("rb-conn-1", { keepalive: 45, clean: true });
    const received: string[] = [];
    client.on("message", (topic, payload) => received.push(`${topic} ${payload.toString()}`));
    await client.subscribeAsync("$aws/things/rb-conn-1/shadow/update/delta", { qos: 1 });

    const connection = await dataPlane.send(
      new GetConnectionCommand({ clientId: "rb-conn-1", includeSocketInformation: true }),
    );
    expect(connection).toMatchObject({
      clientId: "rb-conn-1",
      connected: true,
      thingName: "rb-conn-1",
      cleanSession: true,
      keepAliveDuration: 45,
      sourceIp: "127.0.0.1",
      targetPort: Number(new URL(runtime.urls.mqtt).port),
      connectedSince: expect.any(Number),
    });
    expect(
      (await dataPlane.send(new ListSubscriptionsCommand({ clientId: "rb-conn-1" }))).subscriptions,
    ).toEqual([{ topicFilter: "$aws/things/rb-conn-1/shadow/update/delta", qos: 1 }]);

    // Not subscribed to its alerts topic, but allowed to receive there: delivered, and acknowledged.
    const sent = await dataPlane.send(
      new SendDirectMessageCommand({
        clientId: "rb-conn-1",
        topic: "alerts/fleetline/robot/rb-conn-1",
        payload: new TextEncoder().encode("dock now"),
        confirmation: true,
        timeout: 5,
      }),
    );
    expect(sent.message).toBe("delivered and acknowledged");
    expect(received).toContain("alerts/fleetline/robot/rb-conn-1 dock now");
    await expect(
      dataPlane.send(
        new SendDirectMessageCommand({
          clientId: "rb-conn-1",
          topic: "alerts/fleetline/robot/rb-someone-else",
          payload: new TextEncoder().encode("no"),
        }),
      ),
    ).rejects.toBeInstanceOf(ForbiddenException);

    const gone = closed(client);
    await dataPlane.send(new DeleteConnectionCommand({ clientId: "rb-conn-1", preventWillMessage: true }));
    await gone;
    client.end(true);
    expect(await dataPlane.send(new GetConnectionCommand({ clientId: "rb-conn-1" }))).toMatchObject({
      connected: false,
      disconnectReason: "API_INITIATED_DISCONNECT",
      disconnectedSince: expect.any(Number),
    });
    await waitFor(
      () => eventsOf("rb-conn-1", "disconnected")[0]?.disconnectReason === "API_INITIATED_DISCONNECT",
      "the disconnected event",
    );
    for (const command of [
      new GetConnectionCommand({ clientId: "nobody" }),
      new DeleteConnectionCommand({ clientId: "rb-conn-1" }),
      new ListSubscriptionsCommand({ clientId: "rb-conn-1" }),
    ])
      await expect(dataPlane.send(command as GetConnectionCommand)).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
  });
});

describe("presence, from the lifecycle events through the presence rule and function", () => {
  it("shows a device connected since its connect, then disconnected with the reason", async () => {
    const { client } = await device("rb-pres-1");
    const deviceView = async () =>
      (await (await fetch(`${runtime.urls.http}/api/devices/rb-pres-1`)).json()) as Record<string, unknown>;
    const listed = async () =>
      (
        (await (await fetch(`${runtime.urls.http}/api/devices`)).json()) as Array<Record<string, unknown>>
      ).find((d) => d.thing === "rb-pres-1");
    const connected = await waitFor(async () => {
      const view = await deviceView();
      return view.connectedSince !== undefined ? view : undefined;
    }, "the presence of the connect");
    expect(connected).toMatchObject({ connected: true, connectedSince: expect.any(Number) });
    await client.endAsync();
    const gone = await waitFor(async () => {
      const view = await listed();
      return view?.disconnectedSince !== undefined ? view : undefined;
    }, "the presence of the disconnect");
    expect(gone).toMatchObject({
      connected: false,
      disconnectReason: "CLIENT_INITIATED_DISCONNECT",
      disconnectedSince: expect.any(Number),
    });
    expect(gone.disconnectedSince as number).toBeGreaterThanOrEqual(connected.connectedSince as number);
  });
});
