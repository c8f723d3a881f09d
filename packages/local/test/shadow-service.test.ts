import {
  ConflictException,
  DeleteThingShadowCommand,
  GetThingShadowCommand,
  InvalidRequestException,
  IoTDataPlaneClient,
  ListNamedShadowsForThingCommand,
  PublishCommand,
  RequestEntityTooLargeException,
  ResourceNotFoundException,
  UpdateThingShadowCommand,
} from "@aws-sdk/client-iot-data-plane";
import { mqtt as crtMqtt, iot, iotshadow } from "aws-iot-device-sdk-v2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../src/runtime/runtime.js";
import { connectDevice, startRuntime, waitFor } from "./helpers.js";

let runtime: Runtime;
let dataPlane: IoTDataPlaneClient;
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const parse = (payload: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(payload));

beforeAll(async () => {
  runtime = await startRuntime();
  dataPlane = new IoTDataPlaneClient({
    endpoint: runtime.urls.http,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
});

afterAll(async () => {
  dataPlane.destroy();
  await runtime.stop();
});

describe("the shadow service over the AWS IoT Device SDK v2 (MQTT 3.1.1)", () => {
  it("serves delta, update, get and delete, and rejects a stale version with 409", async () => {
    const thing = "rb-sdk-shadow";
    const { token } = await runtime.registry.register(thing, "robot");
    const url = new URL(runtime.urls.mqtt);
    const config = iot.AwsIotMqttConnectionConfigBuilder.new_default_builder()
      .with_endpoint(url.hostname)
      .with_port(Number(url.port))
      .with_client_id(thing)
      .with_clean_session(true)
      .with_username(thing)
      .with_password(token)
      .build();
    Object.assign(config, { tls_ctx: undefined });
    const connection = new crtMqtt.MqttClient().new_connection(config);
    await connection.connect();
    const shadow = new iotshadow.IotShadowClient(connection);
    const qos = crtMqtt.QoS.AtLeastOnce;
    const deltas: unknown[] = [];
    const accepted: unknown[] = [];
    const rejected: Array<{ code?: number; message?: string; clientToken?: string }> = [];
    const got: unknown[] = [];
    const deleted: unknown[] = [];
    try {
      await shadow.subscribeToShadowDeltaUpdatedEvents({ thingName: thing }, qos, (_e, event) =>
        deltas.push(event?.state),
      );
      await shadow.subscribeToUpdateShadowAccepted({ thingName: thing }, qos, (_e, r) =>
        accepted.push(r?.state),
      );
      await shadow.subscribeToUpdateShadowRejected({ thingName: thing }, qos, (_e, r) =>
        rejected.push(r ?? {}),
      );
      await shadow.subscribeToGetShadowAccepted({ thingName: thing }, qos, (_e, r) => got.push(r?.state));
      await shadow.subscribeToDeleteShadowAccepted({ thingName: thing }, qos, (_e, r) =>
        deleted.push(r?.version),
      );

      await shadow.publishUpdateShadow({ thingName: thing, state: { reported: { battery: 90 } } }, qos);
      await waitFor(() => accepted.length === 1, "update accepted");

      await dataPlane.send(
        new UpdateThingShadowCommand({
          thingName: thing,
          payload: json({ state: { desired: { command: "dock" } } }),
        }),
      );
      await waitFor(() => deltas.length === 1, "the delta");
      expect(deltas[0]).toEqual({ command: "dock" });

      await shadow.publishGetShadow({ thingName: thing }, qos);
      await waitFor(() => got.length === 1, "get accepted");
      expect(got[0]).toEqual({
        desired: { command: "dock" },
        reported: { battery: 90 },
        delta: { command: "dock" },
      });

      await shadow.publishUpdateShadow(
        { thingName: thing, state: { reported: { command: "dock" } }, version: 1, clientToken: "stale" },
        qos,
      );
      await waitFor(() => rejected.length === 1, "the rejection");
      expect(rejected[0]).toMatchObject({ code: 409, message: "Version conflict", clientToken: "stale" });

      await shadow.publishDeleteShadow({ thingName: thing }, qos);
      await waitFor(() => deleted.length === 1, "delete accepted");
      expect(deleted[0]).toBe(2);
    } finally {
      await connection.disconnect();
    }
  });
});

describe("the IoT Data Plane REST API with @aws-sdk/client-iot-data-plane", () => {
  it("updates desired (the device gets the delta), gets, lists named shadows and deletes", async () => {
    const thing = "fs-dp-1";
    const { token } = await runtime.registry.register(thing, "freestyle");
    const device = await connectDevice(runtime.urls.mqtt, thing, token);
    await device.subscribeAsync(`$aws/things/${thing}/shadow/update/delta`, { qos: 1 });
    const deltas: unknown[] = [];
    device.on("message", (_topic, payload) => deltas.push(JSON.parse(payload.toString()).state));

    const updated = await dataPlane.send(
      new UpdateThingShadowCommand({
        thingName: thing,
        payload: json({ state: { desired: { mode: "maintenance" } }, clientToken: "c1" }),
      }),
    );
    expect(parse(updated.payload)).toMatchObject({
      state: { desired: { mode: "maintenance" } },
      version: 1,
      clientToken: "c1",
    });
    await waitFor(() => deltas.length === 1, "the delta at the device");
    expect(deltas[0]).toEqual({ mode: "maintenance" });

    const shadow = await dataPlane.send(new GetThingShadowCommand({ thingName: thing }));
    expect(parse(shadow.payload)).toMatchObject({
      state: { desired: { mode: "maintenance" }, delta: { mode: "maintenance" } },
      version: 1,
    });

    await dataPlane.send(
      new UpdateThingShadowCommand({
        thingName: thing,
        shadowName: "config",
        payload: json({ state: { desired: { rate: 5 } } }),
      }),
    );
    await dataPlane.send(
      new UpdateThingShadowCommand({
        thingName: thing,
        shadowName: "firmware",
        payload: json({ state: { reported: { v: "1.2" } } }),
      }),
    );
    const named = await dataPlane.send(new ListNamedShadowsForThingCommand({ thingName: thing }));
    expect(named.results).toEqual(["config", "firmware"]);
    // Named shadows are separate documents with their own versions.
    const config = await dataPlane.send(
      new GetThingShadowCommand({ thingName: thing, shadowName: "config" }),
    );
    expect(parse(config.payload)).toMatchObject({ state: { desired: { rate: 5 } }, version: 1 });
    expect(
      parse((await dataPlane.send(new GetThingShadowCommand({ thingName: thing }))).payload).state.desired,
    ).toEqual({ mode: "maintenance" });

    const removed = await dataPlane.send(
      new DeleteThingShadowCommand({ thingName: thing, shadowName: "config" }),
    );
    expect(parse(removed.payload)).toMatchObject({ version: 1 });
    expect((await dataPlane.send(new ListNamedShadowsForThingCommand({ thingName: thing }))).results).toEqual(
      ["firmware"],
    );
    await device.endAsync();
  });

  it("raises the AWS SDK's named exceptions", async () => {
    const thing = "fs-dp-errors";
    await expect(dataPlane.send(new GetThingShadowCommand({ thingName: thing }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await dataPlane.send(
      new UpdateThingShadowCommand({ thingName: thing, payload: json({ state: { desired: { a: 1 } } }) }),
    );
    await expect(
      dataPlane.send(
        new UpdateThingShadowCommand({
          thingName: thing,
          payload: json({ state: { desired: { a: 2 } }, version: 9 }),
        }),
      ),
    ).rejects.toBeInstanceOf(ConflictException);
    await expect(
      dataPlane.send(
        new UpdateThingShadowCommand({ thingName: thing, payload: new TextEncoder().encode("{oops") }),
      ),
    ).rejects.toBeInstanceOf(InvalidRequestException);
    await expect(
      dataPlane.send(
        new UpdateThingShadowCommand({
          thingName: thing,
          payload: json({ state: { reported: { blob: "x".repeat(9000) } } }),
        }),
      ),
    ).rejects.toBeInstanceOf(RequestEntityTooLargeException);
  });

  it("publishes to a topic with Publish", async () => {
    const thing = "rb-dp-publish";
    const { token } = await runtime.registry.register(thing, "robot");
    const device = await connectDevice(runtime.urls.mqtt, thing, token);
    await device.subscribeAsync(`alerts/fleetline/robot/${thing}`, { qos: 1 });
    const received: string[] = [];
    device.on("message", (_topic, payload) => received.push(payload.toString()));
    await dataPlane.send(
      new PublishCommand({ topic: `alerts/fleetline/robot/${thing}`, qos: 1, payload: json({ hello: 1 }) }),
    );
    await waitFor(() => received.length === 1, "the published message");
    expect(JSON.parse(received[0] as string)).toEqual({ hello: 1 });
    await device.endAsync();
  });
});

describe("the shadow service over plain MQTT", () => {
  it("answers a malformed request on /rejected with the AWS error document", async () => {
    const thing = "fs-mqtt-bad";
    const { token } = await runtime.registry.register(thing, "freestyle");
    const device = await connectDevice(runtime.urls.mqtt, thing, token);
    await device.subscribeAsync(`$aws/things/${thing}/shadow/update/rejected`, { qos: 1 });
    const rejected: unknown[] = [];
    device.on("message", (_topic, payload) => rejected.push(JSON.parse(payload.toString())));
    await device.publishAsync(`$aws/things/${thing}/shadow/update`, "{not json", { qos: 1 });
    await device.publishAsync(
      `$aws/things/${thing}/shadow/update`,
      JSON.stringify({ clientToken: "x".repeat(65), state: {} }),
      { qos: 1 },
    );
    await waitFor(() => rejected.length === 2, "two rejections");
    expect(rejected).toEqual([
      { code: 400, message: "Invalid JSON", timestamp: expect.any(Number) },
      { code: 400, message: "Invalid clientToken", timestamp: expect.any(Number) },
    ]);
    await device.endAsync();
  });
});
