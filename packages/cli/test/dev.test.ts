import { settle, waitFor } from "@fleetline/testing";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevProcess, fleetline, freestyleTelemetry, startDev } from "./dev-process.js";

// biome-ignore lint/suspicious/noExplicitAny: API responses are asserted field by field.
type Json = any;

async function getJson(url: string): Promise<{ status: number; body: Json }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

describe("fleetline dev --in-memory", () => {
  let dev: DevProcess;
  const thing = "fs-dev-1";
  let token: string;
  const t0 = Date.now();

  beforeAll(async () => {
    // The exactly-once test publishes 1,000 at once from one connection, past IoT Core's 100 a
    // second: a load generator's burst, so IoT Core's limits are lifted.
    dev = await startDev(["--in-memory", "--no-iot-limits"]);
    const added = fleetline(["devices", "add", thing, "--type", "freestyle", "--url", dev.http, "--json"]);
    expect(added.code).toBe(0);
    token = JSON.parse(added.out).token;
  });

  afterAll(async () => {
    expect(await dev.stop()).toBe(0);
  });

  const connectDevice = () =>
    mqtt.connectAsync(dev.mqtt, { clientId: thing, username: thing, password: token, reconnectPeriod: 0 });

  it("answers /healthz with 200 once ready", async () => {
    expect(await getJson(`${dev.http}/healthz`)).toEqual({ status: 200, body: { status: "ok" } });
    expect((await getJson(`${dev.http}/api/info`)).body).toMatchObject({
      mqttUrl: dev.mqtt,
      dataPlaneEndpoint: dev.http,
    });
  });

  it("stores 1,000 QoS 1 messages, each exactly once, and serves them bucketed from DuckDB", async () => {
    const client = await connectDevice();
    const topic = `dt/fleetline/freestyle/${thing}/telemetry`;
    await Promise.all(
      Array.from({ length: 1000 }, (_, seq) =>
        client.publishAsync(topic, freestyleTelemetry(seq, t0 + seq), { qos: 1 }),
      ),
    );
    await client.endAsync();
    const url = `${dev.http}/api/devices/${thing}/telemetry?metric=co2Kpa&from=${t0}&to=${t0 + 1000}&bucket=1ms`;
    const points = await waitFor(
      async () => {
        const { body } = await getJson(url);
        return body.points.length === 1000 ? body.points : undefined;
      },
      "1,000 stored readings",
      30_000,
    );
    expect(points.every((p: { count: number }) => p.count === 1)).toBe(true);
    expect(points.map((p: { t: number }) => p.t)).toEqual(Array.from({ length: 1000 }, (_, i) => t0 + i));

    const minutes = await getJson(
      `${dev.http}/api/devices/${thing}/telemetry?metric=co2Kpa&from=${t0}&to=${t0 + 60_000}&bucket=1m`,
    );
    expect(minutes.body.points.reduce((n: number, p: { count: number }) => n + p.count, 0)).toBe(1000);
    expect((await getJson(`${dev.http}/api/devices/${thing}`)).body).toMatchObject({
      thing,
      type: "freestyle",
      seq: 999,
    });
  });

  it("quarantines bad messages with their reasons, and /api/stats adds up", async () => {
    // What this case adds is counted from here, whichever cases ran before it.
    await settle(dev.http);
    const before = (await getJson(`${dev.http}/api/stats`)).body;
    const client = await connectDevice();
    const topic = `dt/fleetline/freestyle/${thing}/telemetry`;
    // An hour back: outside the window the 1,000-message case reads.
    await client.publishAsync(topic, freestyleTelemetry(3000, t0 - 3_600_000), { qos: 1 });
    await client.publishAsync(topic, freestyleTelemetry(3001, t0 - 3_599_000), { qos: 1 });
    await client.publishAsync(topic, "{not json", { qos: 1 });
    await client.publishAsync(topic, freestyleTelemetry(2000, Date.now(), { co2Kpa: "high" }), { qos: 1 });
    await client.publishAsync(topic, freestyleTelemetry(2001, Date.now(), { humidity: 12 }), { qos: 1 });
    await client.publishAsync(topic, freestyleTelemetry(2002, Date.now() + 3_600_000), { qos: 1 });
    await client.endAsync();
    const rejected = await waitFor(
      async () => {
        const { body } = await getJson(`${dev.http}/api/rejected?limit=10`);
        return body.length >= 4 ? body : undefined;
      },
      "4 rejected messages",
      30_000,
    );
    expect(rejected.map((r: { reason: string }) => r.reason).sort()).toEqual([
      "MALFORMED_JSON",
      "TIMESTAMP_IN_FUTURE",
      "UNKNOWN_FIELD",
      "WRONG_TYPE",
    ]);
    const malformed = rejected.find((r: { reason: string }) => r.reason === "MALFORMED_JSON");
    expect(Buffer.from(malformed.payloadBase64, "base64").toString()).toBe("{not json");
    expect(malformed).toMatchObject({ topic, clientId: thing });

    await settle(dev.http);
    const after = (await getJson(`${dev.http}/api/stats`)).body;
    const added = Object.fromEntries(
      ["received", "valid", "rejected", "stored", "duplicates", "deadLettered"].map((name) => [
        name,
        after[name] - before[name],
      ]),
    );
    expect(added).toEqual({ received: 6, valid: 2, rejected: 4, stored: 2, duplicates: 0, deadLettered: 0 });
    expect(after.received).toBe(after.valid + after.rejected);
    expect(after.stored).toBe(after.valid - after.duplicates);
  });

  it.each([
    ["from=yesterday", "from"],
    ["bucket=7x", "bucket"],
    ["metric=humidity", "metric"],
    ["", "metric"],
    ["to=12&from=20", "from"],
  ])("answers 400 naming the parameter for %s", async (query, parameter) => {
    const base = query.includes("metric") || query === "" ? "" : "metric=co2Kpa&";
    const { status, body } = await getJson(`${dev.http}/api/devices/${thing}/telemetry?${base}${query}`);
    expect(status).toBe(400);
    expect(body.error.message.startsWith(`${parameter}:`)).toBe(true);
  });

  it("answers 404 for an unknown thing and 409 for a thing registered twice", async () => {
    expect((await getJson(`${dev.http}/api/devices/fs-nobody`)).status).toBe(404);
    const again = fleetline(["devices", "add", thing, "--type", "freestyle", "--url", dev.http]);
    expect(again.code).toBe(1);
    expect(again.err).toContain("already exists");
  });

  it("lists and removes things through the CLI", () => {
    expect(fleetline(["devices", "add", "rb-dev-2", "--type", "robot", "--url", dev.http]).code).toBe(0);
    expect(fleetline(["devices", "list", "--url", dev.http]).out).toContain("rb-dev-2\trobot");
    expect(fleetline(["devices", "remove", "rb-dev-2", "--url", dev.http]).code).toBe(0);
    expect(fleetline(["devices", "list", "--url", dev.http]).out).not.toContain("rb-dev-2");
  });
});

describe("fleetline dev, misused", () => {
  it.each([
    [["dev", "--mqtt-port", "99999"], "--mqtt-port must be a port number"],
    [["dev", "--in-memory", "--data-dir", "x"], "exclude each other"],
    [["dev", "--host", "0.0.0.0"], "set FLEETLINE_API_TOKEN (or pass --api-token)"],
    [["dev", "--api-token", "short"], "the API token must be at least 16 characters"],
    [["dev", "--viewer-token", "viewer-0123456789"], "a viewer token needs an API token"],
    [
      ["dev", "--api-token", "operator-0123456789", "--viewer-token", "short"],
      "the viewer token must be at least 16",
    ],
    [["dev", "--max-connections", "0"], "--max-connections"],
    [
      ["dev", "--broker", "http://x"],
      '--broker must be a URL with mqtt: or mqtts: such as mqtt://127.0.0.1:1883, got "http://x"',
    ],
    [
      ["devices", "add", "fs-x", "--type", "toaster"],
      '--type must be one of freestyle, robot, got "toaster" (e.g. --type freestyle)',
    ],
  ])("exits 2 with one line for %j", (args, message) => {
    const result = fleetline(args);
    expect(result.code).toBe(2);
    expect(result.err.trim().split("\n")).toHaveLength(1);
    expect(result.err).toContain(message);
  });
});
