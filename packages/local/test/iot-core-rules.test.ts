import { topicMatches } from "@fleetline/core/aws";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clampKeepAlive, iotCoreMatches } from "../src/iot/broker/iot-core-limits.js";
import { type BrokerFixture, connectDevice, startBroker, waitFor } from "./helpers.js";

let fixture: BrokerFixture;

beforeAll(async () => {
  fixture = await startBroker();
});

afterAll(async () => {
  await fixture?.close();
});

async function device(thing: string, extra = {}) {
  const { token } = await fixture.registry.register(thing, "freestyle");
  return connectDevice(fixture.broker.mqttUrl, thing, token, extra);
}

describe("IoT Core's MQTT rules on the embedded broker", () => {
  it("holds a connection to a keep-alive of 30 to 1,200 s, whatever the CONNECT asks (0 is 1,200)", async () => {
    expect([0, 1, 29, 30, 45, 1200, 1201, 65535].map(clampKeepAlive)).toEqual([
      1200, 30, 30, 30, 45, 1200, 1200, 1200,
    ]);
    for (const [asked, held] of [
      [5, 30],
      [0, 1200],
      [45, 45],
      [3600, 1200],
    ] as const) {
      const thing = `fs-keepalive-${asked}`;
      const client = await device(thing, { keepalive: asked });
      expect(fixture.broker.connectionsByClient.info(thing)?.keepAliveDuration, `asked ${asked}`).toBe(held);
      await client.endAsync();
    }
  });

  it("takes 8 topic filters from one SUBSCRIBE and refuses the rest (SUBACK 0x80), counted", async () => {
    const client = await device("fs-eight-filters");
    const before = fixture.broker.refusals["subscribe-filters-limit"];
    const filters = [
      "$aws/things/fs-eight-filters/shadow/get/accepted",
      "$aws/things/fs-eight-filters/shadow/get/rejected",
      "$aws/things/fs-eight-filters/shadow/update/accepted",
      "$aws/things/fs-eight-filters/shadow/update/rejected",
      "$aws/things/fs-eight-filters/shadow/update/delta",
      "$aws/things/fs-eight-filters/shadow/update/documents",
      "$aws/things/fs-eight-filters/shadow/delete/accepted",
      "$aws/things/fs-eight-filters/shadow/delete/rejected",
      "$aws/things/fs-eight-filters/jobs/notify",
      "$aws/things/fs-eight-filters/jobs/notify-next",
    ];
    await expect(client.subscribeAsync(filters, { qos: 1 })).rejects.toMatchObject({
      packet: { granted: [1, 1, 1, 1, 1, 1, 1, 1, 128, 128] },
    });
    expect(fixture.broker.refusals["subscribe-filters-limit"]).toBe(before + 2);
    // In a SUBSCRIBE of their own, the two are taken.
    const again = await client.subscribeAsync(filters.slice(8), { qos: 1 });
    expect(again.map((g) => g.qos)).toEqual([1, 1]);
    await client.endAsync();
  });

  it("throttles a connection past 100 publishes a second: no PUBACK, nothing delivered, the connection kept", async () => {
    const client = await device("fs-throttled");
    const before = fixture.broker.refusals.throttled;
    let acked = 0;
    const sent = 150;
    for (let seq = 0; seq < sent; seq += 1)
      client.publish(
        "dt/fleetline/freestyle/fs-throttled/telemetry",
        `{"seq":${seq}}`,
        { qos: 1 },
        (error) => {
          if (!error) acked += 1;
        },
      );
    await waitFor(
      () => acked + fixture.broker.refusals.throttled - before === sent,
      "each publish acked or throttled",
    );
    expect(fixture.broker.refusals.throttled - before).toBeGreaterThan(0);
    expect(acked).toBeGreaterThanOrEqual(100);
    expect(client.connected).toBe(true);
    await client.endAsync(true);
  });

  it("throttles a connection past 512 KB a second", async () => {
    const client = await device("fs-throttled-bytes");
    const before = fixture.broker.refusals.throttled;
    const payload = "x".repeat(120 * 1024);
    let acked = 0;
    for (let i = 0; i < 6; i += 1)
      client.publish("dt/fleetline/freestyle/fs-throttled-bytes/telemetry", payload, { qos: 1 }, (error) => {
        if (!error) acked += 1;
      });
    await waitFor(
      () => acked + fixture.broker.refusals.throttled - before === 6,
      "each publish acked or throttled",
    );
    // 4 × 120 KB fit in the second's 512 KB; the fifth does not.
    expect(acked).toBe(4);
    expect(client.connected).toBe(true);
    await client.endAsync(true);
  });

  it("delivers a resumed persistent session's stored messages at 10 a second, none lost", async () => {
    const thing = "fs-resumed";
    const { token } = await fixture.registry.register(thing, "freestyle");
    const topic = `$aws/things/${thing}/shadow/update/delta`;
    const first = await connectDevice(fixture.broker.mqttUrl, thing, token, { clean: false });
    await first.subscribeAsync(topic, { qos: 1 });
    await first.endAsync();
    // While it is away, 12 messages are stored for its session.
    for (let n = 0; n < 12; n += 1)
      await fixture.broker.source().publish(topic, new TextEncoder().encode(`{"n":${n}}`), 1);
    const arrivals: Array<{ n: number; at: number }> = [];
    // Listening before it connects: the stored messages follow the CONNACK.
    const back = mqtt.connect(fixture.broker.mqttUrl, {
      clientId: thing,
      username: thing,
      password: token,
      clean: false,
      reconnectPeriod: 0,
      protocolVersion: 4,
    });
    back.on("message", (_topic, payload) =>
      arrivals.push({ n: JSON.parse(payload.toString()).n, at: Date.now() }),
    );
    await waitFor(() => arrivals.length === 12, "the 12 stored messages");
    expect(arrivals.map((a) => a.n)).toEqual(Array.from({ length: 12 }, (_, n) => n));
    // 11 gaps of at least 100 ms: IoT Core's 10 a second.
    expect((arrivals.at(-1)?.at ?? 0) - (arrivals[0]?.at ?? 0)).toBeGreaterThanOrEqual(1_000);
    await back.endAsync();
  });

  it("does not match a/# to the topic a, as IoT Core does not", () => {
    expect(iotCoreMatches("a/#", "a", topicMatches)).toBe(false);
    expect(iotCoreMatches("a/#", "a/b", topicMatches)).toBe(true);
    expect(iotCoreMatches("a/+", "a/b", topicMatches)).toBe(true);
    expect(iotCoreMatches("#", "a", topicMatches)).toBe(true);
    expect(topicMatches("a/#", "a")).toBe(true);
  });
});
