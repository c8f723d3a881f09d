import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Runtime } from "@fleetline/local";
import { waitFor } from "@fleetline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backoffDelay } from "../src/backoff.js";
import { DeviceClient } from "../src/device-client.js";
import { FileBuffer, MemoryBuffer } from "../src/message-buffer.js";
import { MqttTransport } from "../src/mqtt-transport.js";
import { FileSeqStore } from "../src/seq-store.js";

const report = (n: number) => ({
  metrics: {
    batteryPct: 50 + (n % 10),
    state: "cleaning",
    binFull: false,
    x: 1,
    y: 2,
    areaM2: n,
    rssiDbm: -60,
  },
});

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "fleetline-client-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function startRuntime(
  ports: { mqttPort: number; httpPort: number } = { mqttPort: 0, httpPort: 0 },
  dataDir?: string,
) {
  return Runtime.start({
    host: "127.0.0.1",
    wsPort: 0,
    kinesisPort: 0,
    version: "test",
    ...ports,
    ...(dataDir ? { dataDir } : {}),
  });
}

async function storedSeqs(runtime: Runtime, thing: string): Promise<number[]> {
  const rows = await runtime.probe.query<{ seq: bigint }>(
    "SELECT seq FROM telemetry WHERE thing = $thing ORDER BY seq",
    { thing },
  );
  return rows.map((row) => Number(row.seq));
}

describe("DeviceClient against the local runtime", () => {
  it("sends telemetry at QoS 1 with an increasing seq, and follows its shadow", async () => {
    const runtime = await startRuntime();
    try {
      const thing = "rb-client-1";
      const { token } = await runtime.registry.register(thing, "robot");
      const transport = new MqttTransport({
        url: runtime.urls.mqtt,
        clientId: thing,
        username: thing,
        password: token,
      });
      const client = new DeviceClient({ thing, type: "robot", transport });
      const deltas: unknown[] = [];
      client.on("delta", (state) => deltas.push(state));
      await client.start();
      for (let n = 0; n < 25; n++) client.send(report(n));
      await waitFor(async () => (await storedSeqs(runtime, thing)).length === 25, "25 stored");
      expect(await storedSeqs(runtime, thing)).toEqual(Array.from({ length: 25 }, (_, n) => n));
      // A record can be stored before its PUBACK has crossed back to the device.
      await waitFor(() => client.stats.acked === 25, "25 acknowledged");
      expect(client.stats).toMatchObject({ sent: 25, acked: 25, dropped: 0, queued: 0 });

      // The backend's desired update, through the IoT Data Plane (UpdateThingShadow).
      await fetch(`${runtime.urls.http}/things/${thing}/shadow`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ state: { desired: { command: "dock" } } }),
      });
      await waitFor(() => deltas.length > 0, "the delta");
      expect(deltas[0]).toEqual({ command: "dock" });
      await client.reportState({ command: "dock" });
      await waitFor(async () => {
        const response = await fetch(`${runtime.urls.http}/things/${thing}/shadow`);
        const document = (await response.json()) as { state: { reported?: Record<string, unknown> } };
        return document.state.reported?.command === "dock";
      }, "the reported state");
      expect(await client.close()).toEqual({ unsent: 0 });
    } finally {
      await runtime.stop();
    }
  });

  it("sends again, on the same connection, a message the broker throttled (no PUBACK), stored once", async () => {
    const runtime = await startRuntime();
    try {
      const thing = "rb-client-throttled";
      const { token } = await runtime.registry.register(thing, "robot");
      // The broker takes the first telemetry message and neither acknowledges nor delivers it.
      const faults = await fetch(`${runtime.urls.http}/api/broker/faults/${thing}`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          withholdPubacks: 1,
          withholdPubacksOn: `dt/fleetline/robot/${thing}/telemetry`,
        }),
      });
      expect(faults.status).toBe(200);
      const transport = new MqttTransport({
        url: runtime.urls.mqtt,
        clientId: thing,
        username: thing,
        password: token,
      });
      const client = new DeviceClient({ thing, type: "robot", transport, shadow: false, ackTimeoutMs: 300 });
      await client.start();
      client.send(report(0));
      await waitFor(() => client.stats.acked === 1, "the message acknowledged");
      expect(client.stats).toMatchObject({ sent: 2, resent: 1, unacknowledged: 1, acked: 1, reconnects: 0 });
      await waitFor(async () => (await storedSeqs(runtime, thing)).length === 1, "stored");
      expect(await storedSeqs(runtime, thing)).toEqual([0]);
      expect(await client.close()).toEqual({ unsent: 0 });
    } finally {
      await runtime.stop();
    }
  });

  it("buffers while the runtime is down and delivers in order after it restarts, no seq missing", async () => {
    const dataDir = join(dir, "offline");
    let runtime = await startRuntime(undefined, dataDir);
    const ports = {
      mqttPort: Number(new URL(runtime.urls.mqtt).port),
      httpPort: Number(new URL(runtime.urls.http).port),
    };
    const thing = "fs-client-offline";
    const { token } = await runtime.registry.register(thing, "freestyle");
    const transport = new MqttTransport({
      url: runtime.urls.mqtt,
      clientId: thing,
      username: thing,
      password: token,
    });
    const client = new DeviceClient({
      thing,
      type: "freestyle",
      transport,
      backoff: { initialMs: 200, maxMs: 1_000 },
    });
    const freestyle = () => ({
      metrics: { cabinetTempC: 4, co2Kpa: 400, waterKpa: 280, pours: 0, cartridges: {}, state: "idle" },
    });
    await client.start();
    let n = 0;
    const sender = setInterval(() => {
      client.send(freestyle());
      n += 1;
    }, 100);
    try {
      await waitFor(() => client.stats.acked >= 10, "the first acks");
      await runtime.stop();
      // Offline: the client keeps what it sends (at 10 a second) until the broker is back.
      await waitFor(() => !client.isConnected && client.stats.queued > 50, "50 messages kept offline");
      runtime = await startRuntime(ports, dataDir);
      await waitFor(() => client.isConnected && client.stats.queued === 0, "the buffer to drain", 30_000);
      clearInterval(sender);
      await waitFor(() => client.stats.queued === 0, "the last sends");
      await waitFor(async () => (await storedSeqs(runtime, thing)).length === n, `${n} stored`, 30_000);
      expect(await storedSeqs(runtime, thing)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(client.stats.reconnects).toBeGreaterThan(1);
    } finally {
      clearInterval(sender);
      await client.close(1_000);
      await runtime.stop();
    }
  }, 90_000);
});

describe("the client's parts", () => {
  it("drops the oldest message when the buffer is full, and says so", () => {
    const buffer = new MemoryBuffer(3);
    const dropped = [1, 2, 3, 4, 5].flatMap(
      (seq) => buffer.push({ topic: "t", payload: new Uint8Array([seq]), seq }).dropped,
    );
    expect(dropped.map((m) => m.seq)).toEqual([1, 2]);
    expect(buffer.peek(10).map((m) => m.seq)).toEqual([3, 4, 5]);
  });

  it("counts and reports drops from a full buffer", () => {
    const transport = new MqttTransport({ url: "mqtt://127.0.0.1:1", clientId: "fs-drop" });
    const client = new DeviceClient({
      thing: "fs-drop",
      type: "freestyle",
      transport,
      buffer: new MemoryBuffer(2),
    });
    const dropped: number[] = [];
    client.on("dropped", (messages) => dropped.push(...messages.map((m) => m.seq ?? -1)));
    for (let i = 0; i < 5; i++) client.send({ metrics: {} });
    expect(dropped).toEqual([0, 1, 2]);
    expect(client.stats).toMatchObject({ dropped: 3, queued: 2 });
  });

  it("keeps a file buffer and the seq across a restart of the device", () => {
    const path = join(dir, "buffer.jsonl");
    const first = new FileBuffer(path, 100);
    const a = first.push({ topic: "t", payload: new TextEncoder().encode("a"), seq: 0 }).message;
    first.push({ topic: "t", payload: new TextEncoder().encode("b"), seq: 1 });
    first.remove(a.id);
    const reopened = new FileBuffer(path, 100);
    expect(reopened.peek(10).map((m) => new TextDecoder().decode(m.payload))).toEqual(["b"]);
    const seqs = new FileSeqStore(join(dir, "seq"));
    expect([seqs.next(), seqs.next()]).toEqual([0, 1]);
    expect(new FileSeqStore(join(dir, "seq")).next()).toBe(2);
  });

  it("backs off exponentially with jitter, up to the maximum", () => {
    const options = { initialMs: 500, maxMs: 30_000 };
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, options, () => 0))).toEqual([250, 500, 1000, 2000]);
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, options, () => 1))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffDelay(20, options, () => 1)).toBe(30_000);
  });
});
