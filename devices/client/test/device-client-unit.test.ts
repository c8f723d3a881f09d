import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { manualClock } from "@fleetline/core/common";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DeviceClient, FileSeqStore, MemoryBuffer, MemorySeqStore, type Transport } from "../src/index.js";

/**
 * A broker connection in memory, with switches: whether a connection attempt succeeds, and the
 * PUBACK of each publish, which the test gives (or the connection's loss takes away).
 */
class MemoryTransport implements Transport {
  reachable = true;
  connects = 0;
  connectedAt: number[] = [];
  readonly published: Array<{
    topic: string;
    payload: string;
    ack: () => void;
    fail: (error: Error) => void;
  }> = [];
  readonly subscribed: string[] = [];
  private messageHandler: (topic: string, payload: Uint8Array) => void = () => undefined;
  private closeHandler: (error?: Error) => void = () => undefined;

  async connect(): Promise<void> {
    this.connects += 1;
    if (!this.reachable) throw new Error("connect ECONNREFUSED");
    this.connectedAt.push(Date.now());
  }

  /** The publishes whose PUBACK the client stopped waiting for (it aborted them), each as its payload. */
  readonly forgotten: string[] = [];

  publish(topic: string, payload: Uint8Array, _qos: 0 | 1, signal?: AbortSignal): Promise<void> {
    const text = new TextDecoder().decode(payload);
    signal?.addEventListener("abort", () => this.forgotten.push(text));
    return new Promise((resolve, reject) => {
      this.published.push({ topic, payload: text, ack: resolve, fail: reject });
    });
  }

  async subscribe(filters: string[]): Promise<void> {
    this.subscribed.push(...filters);
  }

  onMessage(handler: (topic: string, payload: Uint8Array) => void): void {
    this.messageHandler = handler;
  }

  onClose(handler: (error?: Error) => void): void {
    this.closeHandler = handler;
  }

  async end(): Promise<void> {}

  /** The broker sends the device a message. */
  deliver(topic: string, document: unknown): void {
    this.messageHandler(topic, new TextEncoder().encode(JSON.stringify(document)));
  }

  /** The connection drops: every publish without its PUBACK fails with it. */
  drop(): void {
    const error = new Error("connection lost");
    for (const p of this.published.splice(0)) p.fail(error);
    this.closeHandler(error);
  }

  /** The telemetry publishes so far, each as its seq. */
  telemetrySeqs(): number[] {
    return this.published.filter((p) => p.topic.endsWith("/telemetry")).map((p) => JSON.parse(p.payload).seq);
  }

  /** Acknowledges every publish so far. */
  ackAll(): void {
    for (const p of this.published.splice(0)) p.ack();
  }
}

const report = (pours: number) => ({
  metrics: { cabinetTempC: 4, co2Kpa: 400, waterKpa: 280, pours, cartridges: { cola: 50 }, state: "idle" },
});

let transport: MemoryTransport;

function client(options: Partial<ConstructorParameters<typeof DeviceClient>[0]> = {}) {
  return new DeviceClient({
    thing: "fs-unit",
    type: "freestyle",
    transport,
    clock: manualClock(1_764_297_000_000),
    random: () => 0.5,
    shadow: false,
    ...options,
  });
}

beforeEach(() => {
  vi.useFakeTimers();
  transport = new MemoryTransport();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("store-and-forward", () => {
  it("keeps what it is given while the broker is unreachable and sends it in order once connected", async () => {
    transport.reachable = false;
    const device = client();
    await device.start();
    for (let n = 0; n < 5; n++) device.send(report(n));
    expect(transport.telemetrySeqs()).toEqual([]);
    expect(device.stats.queued).toBe(5);
    transport.reachable = true;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(device.isConnected).toBe(true);
    expect(transport.telemetrySeqs()).toEqual([0, 1, 2, 3, 4]);
    transport.ackAll();
    await vi.advanceTimersByTimeAsync(0);
    expect(device.stats).toMatchObject({ sent: 5, acked: 5, queued: 0 });
  });

  it("sends again, in order and with the same seq, what lost its PUBACK with the connection", async () => {
    const device = client();
    await device.start();
    for (let n = 0; n < 3; n++) device.send(report(n));
    transport.published[0]?.ack();
    await vi.advanceTimersByTimeAsync(0);
    transport.drop();
    await vi.advanceTimersByTimeAsync(0);
    expect(device.isConnected).toBe(false);
    device.send(report(3));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(transport.telemetrySeqs()).toEqual([1, 2, 3]);
    transport.ackAll();
    await vi.advanceTimersByTimeAsync(0);
    expect(device.stats).toMatchObject({ acked: 4, queued: 0 });
  });

  it("keeps at most maxInFlight unacknowledged, and sends the next as each is acknowledged", async () => {
    const device = client({ maxInFlight: 2 });
    await device.start();
    for (let n = 0; n < 4; n++) device.send(report(n));
    expect(transport.telemetrySeqs()).toEqual([0, 1]);
    transport.published[0]?.ack();
    await vi.advanceTimersByTimeAsync(0);
    // Published so far: the third only once the first had its PUBACK.
    expect(transport.telemetrySeqs()).toEqual([0, 1, 2]);
  });

  it("sends again what had no PUBACK in time (throttled), and counts it acknowledged once", async () => {
    const device = client({ ackTimeoutMs: 30_000, maxInFlight: 2 });
    await device.start();
    for (let n = 0; n < 2; n++) device.send(report(n));
    transport.published[1]?.ack();
    await vi.advanceTimersByTimeAsync(29_999);
    expect(transport.telemetrySeqs()).toEqual([0, 1]);
    await vi.advanceTimersByTimeAsync(1);
    // No PUBACK for seq 0 within 30 s: the transport forgets that send, and it goes out again.
    expect(transport.forgotten.map((p) => JSON.parse(p).seq)).toEqual([0]);
    expect(transport.telemetrySeqs()).toEqual([0, 1, 0]);
    expect(device.isConnected).toBe(true);
    expect(device.stats).toMatchObject({ sent: 3, resent: 1, unacknowledged: 1, acked: 1, queued: 1 });
    // The first send's PUBACK comes after all: stored; the second send's changes nothing.
    transport.published[0]?.ack();
    await vi.advanceTimersByTimeAsync(0);
    transport.published[2]?.ack();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(device.stats).toMatchObject({ sent: 3, resent: 1, unacknowledged: 1, acked: 2, queued: 0 });
  });

  it("drops the oldest when the buffer is full, and says which", async () => {
    transport.reachable = false;
    const dropped: number[] = [];
    const device = client({ buffer: new MemoryBuffer(2) });
    device.on("dropped", (messages) => dropped.push(...messages.map((m) => m.seq as number)));
    await device.start();
    for (let n = 0; n < 4; n++) device.send(report(n));
    expect(dropped).toEqual([0, 1]);
    expect(device.stats).toMatchObject({ dropped: 2, queued: 2 });
  });
});

describe("reconnecting", () => {
  it("waits longer after each failed attempt, with jitter, up to the maximum, and never gives up", async () => {
    transport.reachable = false;
    const device = client({ backoff: { initialMs: 100, maxMs: 800 }, random: () => 0 });
    await device.start();
    // With no jitter drawn, attempt n waits half of min(800, 100·2ⁿ): 50, 100, 200, 400, 400, …
    const attemptsAt: number[] = [];
    let last = transport.connects;
    for (let elapsed = 0; elapsed <= 2_000; elapsed += 10) {
      await vi.advanceTimersByTimeAsync(10);
      if (transport.connects !== last) {
        attemptsAt.push(elapsed + 10);
        last = transport.connects;
      }
    }
    expect(attemptsAt.slice(0, 6)).toEqual([50, 150, 350, 750, 1150, 1550]);
    expect(device.stats.reconnects).toBeGreaterThanOrEqual(6);
    transport.reachable = true;
    await vi.advanceTimersByTimeAsync(400);
    expect(device.isConnected).toBe(true);
  });

  it("spreads a fleet's reconnects: the jitter draws from half to all of the delay", async () => {
    const delays: number[] = [];
    for (const draw of [0, 0.5, 1]) {
      const own = new MemoryTransport();
      own.reachable = false;
      transport = own;
      const device = client({ backoff: { initialMs: 1_000, maxMs: 30_000 }, random: () => draw });
      await device.start();
      const before = own.connects;
      let waited = 0;
      while (own.connects === before) {
        await vi.advanceTimersByTimeAsync(50);
        waited += 50;
      }
      delays.push(waited);
      await device.close(0);
    }
    expect(delays).toEqual([500, 750, 1_000]);
  });
});

describe("seq", () => {
  it("keeps increasing across reconnects", async () => {
    const device = client({ seqStore: new MemorySeqStore(41) });
    await device.start();
    expect(device.send(report(0))).toBe(41);
    transport.drop();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(device.send(report(1))).toBe(42);
  });

  it("survives a restart of the device with FileSeqStore, never reusing one", () => {
    const dir = mkdtempSync(join(tmpdir(), "seq-"));
    try {
      const file = join(dir, "seq");
      const first = new FileSeqStore(file);
      expect([first.next(), first.next()]).toEqual([0, 1]);
      expect(new FileSeqStore(file).next()).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("shadow sync", () => {
  const delta = "$aws/things/fs-unit/shadow/update/delta";

  it("subscribes to its shadow's answers and asks for the shadow on connect", async () => {
    const device = client({ shadow: true });
    const started = device.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(transport.subscribed).toEqual([
      delta,
      "$aws/things/fs-unit/shadow/get/accepted",
      "$aws/things/fs-unit/shadow/get/rejected",
      "$aws/things/fs-unit/shadow/update/rejected",
    ]);
    const get = transport.published.find((p) => p.topic === "$aws/things/fs-unit/shadow/get");
    expect(JSON.parse(get?.payload ?? "{}")).toEqual({ clientToken: "fs-unit-1" });
    get?.ack();
    await started;
  });

  it("tells the desired state that differs from reported, from the get answer and from each delta", async () => {
    const device = client();
    const deltas: Array<[Record<string, unknown>, number]> = [];
    device.on("delta", (state, version) => deltas.push([state, version]));
    await device.start();
    transport.deliver("$aws/things/fs-unit/shadow/get/accepted", {
      state: { desired: { mode: "maintenance" }, delta: { mode: "maintenance" } },
      version: 3,
    });
    transport.deliver(delta, { state: { lockedFlavors: ["cola"] }, version: 4 });
    transport.deliver(delta, "not a document");
    transport.deliver("$aws/things/fs-unit/shadow/get/accepted", { state: { desired: {} }, version: 5 });
    expect(deltas).toEqual([
      [{ mode: "maintenance" }, 3],
      [{ lockedFlavors: ["cola"] }, 4],
    ]);
  });

  it("asks for its shadow again after a 409 on an update, and only after a 409", async () => {
    const device = client();
    await device.start();
    const gets = () => transport.published.filter((p) => p.topic === "$aws/things/fs-unit/shadow/get");
    const before = gets().length;
    transport.deliver("$aws/things/fs-unit/shadow/update/rejected", {
      code: 400,
      message: "Missing required node: state",
    });
    expect(gets()).toHaveLength(before);
    transport.deliver("$aws/things/fs-unit/shadow/update/rejected", {
      code: 409,
      message: "Version conflict",
    });
    expect(gets()).toHaveLength(before + 1);
    for (const p of gets()) p.ack();
  });

  it("reports its state back with a clientToken of its own", async () => {
    const device = client();
    await device.start();
    const token = device.reportState({ mode: "maintenance" });
    const update = transport.published.find((p) => p.topic === "$aws/things/fs-unit/shadow/update");
    update?.ack();
    expect(JSON.parse(update?.payload ?? "{}")).toEqual({
      state: { reported: { mode: "maintenance" } },
      clientToken: await token,
    });
  });
});
