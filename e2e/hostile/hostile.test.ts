import type { Runtime } from "@fleetline/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, waitFor } from "../../packages/local/test/helpers.js";
import {
  afterConnect,
  connectPacket,
  device,
  exchange,
  portOf,
  raw,
  remainingLength,
  statusOf,
} from "../security/probes.js";
import { HOSTILE_PAYLOADS } from "./payloads.js";

/**
 * The hostile-input catalogue: payloads, topics, MQTT packets and HTTP requests an attacker or a
 * broken device sends. Each is quarantined with its reason or refused, nothing invalid is stored,
 * and the runtime keeps serving.
 */
let runtime: Runtime;
let token: string;
const THING = "fs-hostile";

beforeAll(async () => {
  runtime = await startRuntime();
  ({ token } = await runtime.registry.register(THING, "freestyle"));
});

afterAll(async () => {
  await runtime?.stop();
});

async function api<T>(path: string): Promise<T> {
  return (await (await fetch(`${runtime.urls.http}${path}`)).json()) as T;
}

async function healthz(): Promise<number> {
  return (await fetch(`${runtime.urls.http}/healthz`)).status;
}

/** A PUBLISH (QoS 0) on any topic, as raw bytes: no client library to refuse it first. */
function publishPacket(topic: Buffer, payload = Buffer.from("{}")): Buffer {
  const body = Buffer.concat([Buffer.from([topic.length >> 8, topic.length & 0xff]), topic, payload]);
  return Buffer.concat([Buffer.from([0x30]), remainingLength(body.length), body]);
}

describe(`the hostile-input catalogue: ${HOSTILE_PAYLOADS.length} payloads`, () => {
  it("quarantines each hostile payload with its reason and stores none of them", async () => {
    type Stats = { stored: number; valid: number; rejected: number };
    // A device of its own: what the other cases publish is not counted here.
    const own = "fs-hostile-payloads";
    const { token: ownToken } = await runtime.registry.register(own, "freestyle");
    const before = await api<Stats>("/api/stats");
    const client = await device(runtime.urls.mqtt, own, ownToken);
    const now = Date.now();
    const sent = HOSTILE_PAYLOADS.map((entry) => ({ ...entry, bytes: entry.payload(now) }));
    for (const { bytes } of sent) {
      await client.publishAsync(`dt/fleetline/freestyle/${own}/telemetry`, bytes, { qos: 1 });
    }
    expect(client.connected).toBe(true);
    await client.endAsync();
    type Rejected = { reason: string; payloadBase64: string; detail: string; clientId: string };
    const rejected = await waitFor(
      async () => {
        const all = (await api<Rejected[]>("/api/rejected?limit=1000")).filter((r) => r.clientId === own);
        return all.length >= sent.length ? all : undefined;
      },
      "every payload in the quarantine",
      60_000,
    );
    const reasons = sent.map(({ name, bytes }) => {
      const entry = rejected.find((r) => Buffer.from(r.payloadBase64, "base64").equals(bytes));
      return [name, entry?.reason];
    });
    expect(reasons).toEqual(sent.map(({ name, reason }) => [name, reason]));
    expect(rejected.every((r) => r.detail.length > 0)).toBe(true);
    // Quarantined once each; nothing valid or stored, whatever else this runtime saw meanwhile.
    expect(rejected).toHaveLength(sent.length);
    const stats = await api<Stats>("/api/stats");
    expect({ stored: stats.stored - before.stored, valid: stats.valid - before.valid }).toEqual({
      stored: 0,
      valid: 0,
    });
    expect(stats.rejected - before.rejected).toBeGreaterThanOrEqual(sent.length);
  }, 90_000);
});

describe("hostile topics and MQTT packets", () => {
  const mqttPort = () => portOf(runtime.urls.mqtt);

  /** Connects as the device over raw TCP, sends `packet` and resolves with what the broker did with it. */
  const published = (packet: Buffer) => afterConnect(mqttPort(), connectPacket(THING, token), packet);

  it.each([
    ["a topic with +", "dt/fleetline/freestyle/+/telemetry"],
    ["a topic with #", "dt/fleetline/freestyle/#"],
    ["a topic with NUL", `dt/fleetline/freestyle/${THING}\u0000/telemetry`],
    ["$SYS", "$SYS/broker/clients/disconnect"],
    ["another thing's topic", "dt/fleetline/freestyle/fs-someone-else/telemetry"],
    ["an over-long thing name", `dt/fleetline/freestyle/${"x".repeat(200)}/telemetry`],
    ["eight slashes", `dt/fleetline/freestyle/${THING}/telemetry/a/b/c/d`],
    ["a homoglyph of its own thing name", "dt/fleetline/freestyle/fs-h\u043estile/telemetry"],
    ["an empty topic", ""],
    ["invalid UTF-8 in the topic", Buffer.from([0x64, 0x74, 0x2f, 0xff, 0xfe])],
  ])("disconnects a device publishing on %s", async (_name, topic) => {
    const bytes = typeof topic === "string" ? Buffer.from(topic, "utf8") : topic;
    expect(await published(publishPacket(bytes))).toBe("closed");
  });

  it.each([
    ["a PUBLISH before CONNECT", () => publishPacket(Buffer.from("a/b"))],
    ["garbage bytes", () => Buffer.from("GET / HTTP/1.1\r\n\r\n")],
    ["a remaining length of five bytes", () => Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f])],
    [
      "a CONNECT announcing 200 MB",
      () => Buffer.concat([Buffer.from([0x10]), remainingLength(200 * 1024 * 1024)]),
    ],
    ["a CONNECT for protocol level 9", () => connectPacket(THING, token).fill(9, 8, 9)],
  ])("hangs up on %s", async (_name, packet) => {
    // The exchange ends only when the broker hangs up.
    const { answer } = await exchange(mqttPort(), packet());
    expect(answer.length).toBeLessThanOrEqual(4);
  });

  it("keeps a device that publishes on its own topic connected (the probes above are not just slow)", async () => {
    const own = Buffer.from(`dt/fleetline/freestyle/${THING}/telemetry`);
    expect(await published(publishPacket(own))).toBe("open");
  });

  it("refuses a client id of 65,535 bytes with CONNACK 2", async () => {
    const id = "c".repeat(65_535);
    await expect(device(runtime.urls.mqtt, THING, token, { clientId: id })).rejects.toMatchObject({
      code: 2,
    });
  });

  it("hangs up on a second CONNECT and on a SUBSCRIBE with no filter", async () => {
    expect(await published(connectPacket(THING, token))).toBe("closed");
    expect(await published(Buffer.from([0x82, 0x02, 0x00, 0x01]))).toBe("closed");
  });

  it("is still serving devices and the API afterwards", async () => {
    expect(await healthz()).toBe(200);
    const client = await device(runtime.urls.mqtt, THING, token);
    await client.publishAsync(`dt/fleetline/freestyle/${THING}/telemetry`, "{}", { qos: 1 });
    await client.endAsync();
  });
});

describe("hostile HTTP requests", () => {
  const http = () => portOf(runtime.urls.http);
  const request = (head: string, body = "") =>
    raw(
      http(),
      `${head}\r\nHost: 127.0.0.1\r\nConnection: close\r\n${body ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : ""}\r\n${body}`,
    );

  it.each([
    ["a request target that is not a URL", "GET //[ HTTP/1.1", "", 400],
    ["a malformed percent-encoding in a route", "GET /api/devices/%E0%A4%A HTTP/1.1", "", 400],
    ["a malformed percent-encoding for a file", "GET /%ff%fe%zz HTTP/1.1", "", 400],
    ["a path climbing out of the dashboard", "GET /../../../../etc/passwd HTTP/1.1", "", 200],
    ["a method HTTP does not know", "BREW /api/things HTTP/1.1", "", 400],
    [
      "a method the route does not take",
      "PUT /api/things HTTP/1.1\r\nContent-Type: application/json",
      "{}",
      405,
    ],
    [
      "a JSON body that is not JSON",
      "POST /api/things HTTP/1.1\r\nContent-Type: application/json",
      "{not json",
      400,
    ],
    [
      "a registration with a hostile thing name",
      "POST /api/things HTTP/1.1\r\nContent-Type: application/json",
      JSON.stringify({ thing: "../../x", type: "robot" }),
      400,
    ],
    [
      "a body of 1 MB and more",
      "POST /api/things HTTP/1.1\r\nContent-Type: application/json",
      "x".repeat(1024 * 1024 + 1),
      413,
    ],
    ["a shadow named with a slash", "GET /things/fs-hostile/shadow?name=a%2Fb HTTP/1.1", "", 400],
    [
      "a telemetry query with a hostile metric",
      "GET /api/devices/fs-hostile/telemetry?metric=x%27%3BDROP%20TABLE%20telemetry HTTP/1.1",
      "",
      400,
    ],
  ])("answers %s with a 4xx", async (_name, head, body, status) => {
    const answer = await request(head, body);
    expect(statusOf(answer)).toBe(status);
    if (head.includes("etc/passwd")) expect(answer).not.toContain("root:");
  });

  it("is still serving afterwards", async () => {
    expect(await healthz()).toBe(200);
  });
});
