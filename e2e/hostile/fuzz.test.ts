import { recordKey, validate } from "@fleetline/core/telemetry";
import type { Runtime } from "@fleetline/local";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, waitFor } from "../../packages/local/test/helpers.js";
import { device, exchange, portOf, statusOf } from "../security/probes.js";
import { report } from "./payloads.js";

/**
 * Fuzzing the running pipeline: 10,000 generated payloads through broker → rule → validate, and
 * 1,000 generated requests through the HTTP API. The runtime stays up; every payload the core's
 * validation accepts is stored once, every other one is quarantined with a reason; no request
 * gets a 5xx.
 */
let runtime: Runtime;
const DEVICES = 10;
const CASES = 10_000;

beforeAll(async () => {
  // Each device publishes its 1,000 payloads at once, far past IoT Core's 100 a second: a load
  // generator's burst, so IoT Core's limits are lifted.
  runtime = await startRuntime({ iotLimits: false });
});

afterAll(async () => {
  await runtime?.stop();
});

/** Payloads: valid reports, reports with one field replaced by anything, any JSON, any bytes. */
function payloads(now: number): fc.Arbitrary<Uint8Array> {
  const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const valid = fc
    .record({
      seq: fc.nat(),
      age: fc.nat({ max: 60_000 }),
      temp: fc.double({ min: -10, max: 40, noNaN: true }),
    })
    .map(({ seq, age, temp }) => {
      const base = report(now - age, seq);
      return { ...base, metrics: { ...(base.metrics as object), cabinetTempC: temp } };
    });
  const mutated = fc
    .tuple(valid, fc.constantFrom("v", "seq", "ts", "metrics", "faults", "extra"), fc.anything())
    .map(([base, key, value]) => ({ ...base, [key]: value }));
  const mutatedMetric = fc
    .tuple(
      valid,
      fc.constantFrom("cabinetTempC", "co2Kpa", "pours", "cartridges", "state", "__proto__"),
      fc.anything(),
    )
    .map(([base, key, value]) => ({ ...base, metrics: { ...(base.metrics as object), [key]: value } }));
  return fc.oneof(
    { weight: 3, arbitrary: valid.map(encode) },
    { weight: 3, arbitrary: mutated.map(encode) },
    { weight: 2, arbitrary: mutatedMetric.map(encode) },
    { weight: 1, arbitrary: fc.json({ maxDepth: 6 }).map((text) => new TextEncoder().encode(text)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }) },
    {
      weight: 1,
      arbitrary: fc.string({ unit: "binary", maxLength: 256 }).map((s) => new TextEncoder().encode(s)),
    },
  );
}

describe("fuzzing the running pipeline", () => {
  it(`stores exactly what validation accepts and quarantines the rest, over ${CASES.toLocaleString("en")} generated payloads`, async () => {
    const now = Date.now();
    const samples = fc.sample(payloads(now), { numRuns: CASES, seed: 20261129 });
    const things = Array.from({ length: DEVICES }, (_, i) => `fs-fuzz-${i}`);
    const expected = new Set<string>();
    let invalid = 0;
    const clients = await Promise.all(
      things.map(async (thing) => {
        const { token } = await runtime.registry.register(thing, "freestyle");
        return device(runtime.urls.mqtt, thing, token);
      }),
    );
    await Promise.all(
      clients.map(async (client, d) => {
        const thing = things[d] as string;
        const topic = `dt/fleetline/freestyle/${thing}/telemetry`;
        const own = samples.filter((_, i) => i % DEVICES === d);
        for (const payload of own) {
          const verdict = validate({
            payload: Buffer.from(payload).toString("base64"),
            topic,
            type: "freestyle",
            thing,
            clientId: thing,
            receivedAt: Date.now(),
            messageId: "m",
          });
          if (verdict.ok) expected.add(recordKey(verdict.record));
          else invalid += 1;
        }
        await Promise.all(own.map((payload) => client.publishAsync(topic, Buffer.from(payload), { qos: 1 })));
        await client.endAsync();
      }),
    );
    const stats = await waitFor(
      async () => {
        const current = (await (await fetch(`${runtime.urls.http}/api/stats`)).json()) as Record<
          string,
          number
        >;
        return (current.valid ?? 0) + (current.rejected ?? 0) >= CASES ? current : undefined;
      },
      "every payload through validate",
      120_000,
    );
    expect(stats.rejected).toBe(invalid);
    const stored = await waitFor(
      async () => {
        const rows = await runtime.probe.query<{ thing: string; seq: bigint; ts: bigint }>(
          "SELECT thing, seq, ts FROM telemetry WHERE starts_with(thing, 'fs-fuzz-')",
        );
        return rows.length >= expected.size ? rows : undefined;
      },
      "every valid payload stored",
      60_000,
    );
    const keys = new Set(
      stored.map((row) => recordKey({ thing: row.thing, seq: Number(row.seq), ts: Number(row.ts) })),
    );
    expect(keys).toEqual(expected);
    expect(expected.size).toBeGreaterThan(2_000);
    expect(invalid).toBeGreaterThan(3_000);
    expect((await fetch(`${runtime.urls.http}/healthz`)).status).toBe(200);
  }, 240_000);

  it("answers 1,000 generated HTTP requests without a 5xx", async () => {
    const port = portOf(runtime.urls.http);
    const segment = fc.oneof(
      fc.constantFrom(
        "api",
        "things",
        "devices",
        "shadow",
        "topics",
        "telemetry",
        "alerts",
        "ack",
        "fs-fuzz-0",
        "..",
      ),
      fc.constantFrom("%", "%zz", "%E0%A4%A", "%00", "%2F", "%FF%FE", "%25"),
      fc.string({ maxLength: 12 }).map((s) => encodeURIComponent(s)),
    );
    const requests = fc.record({
      method: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"),
      path: fc.array(segment, { minLength: 1, maxLength: 6 }).map((parts) => `/${parts.join("/")}`),
      query: fc.option(
        fc.string({ maxLength: 20 }).map((s) => `?${encodeURIComponent(s)}=${encodeURIComponent(s)}`),
      ),
      type: fc.constantFrom(
        "application/json",
        "application/octet-stream",
        "text/plain",
        "",
        "application/x-www-form-urlencoded",
      ),
      body: fc.oneof(fc.json({ maxDepth: 4 }), fc.string({ maxLength: 200 }), fc.constant("")),
    });
    const statuses: number[] = [];
    for (const request of fc.sample(requests, { numRuns: 1_000, seed: 20261129 })) {
      const body = request.method === "GET" || request.method === "HEAD" ? "" : request.body;
      const head = [
        `${request.method} ${request.path}${request.query ?? ""} HTTP/1.1`,
        "Host: 127.0.0.1",
        "Connection: close",
        ...(request.type ? [`Content-Type: ${request.type}`] : []),
        `Content-Length: ${Buffer.byteLength(body)}`,
      ].join("\r\n");
      const { answer } = await exchange(port, `${head}\r\n\r\n${body}`);
      statuses.push(statusOf(answer));
    }
    expect(statuses.filter((status) => status === 0 || status >= 500)).toEqual([]);
    expect(new Set(statuses).size).toBeGreaterThan(4);
    expect((await fetch(`${runtime.urls.http}/healthz`)).status).toBe(200);
  }, 120_000);
});
