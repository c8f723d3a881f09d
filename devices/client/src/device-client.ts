import { EventEmitter } from "node:events";
import { type Clock, systemClock } from "@fleetline/core/common";
import { type DeviceType, shadowTopic, telemetryTopic } from "@fleetline/core/devices";
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";
import { type BufferedMessage, MemoryBuffer, type MessageBuffer } from "./message-buffer.js";
import { MemorySeqStore, type SeqStore } from "./seq-store.js";
import type { Transport } from "./transport.js";

/** What a device reports; `v`, `seq` and `ts` are added by the client. */
export interface Report {
  metrics: Record<string, unknown>;
  faults?: Array<{ code: string; severity: "critical" | "major" | "minor"; detail?: string }>;
}

/** The v1 wire format of one report (docs/reference/contract.md §1), exactly as the client sends it. */
export function encodeTelemetry(seq: number, ts: number, report: Report): Uint8Array {
  const payload = {
    v: 1,
    seq,
    ts,
    metrics: report.metrics,
    ...(report.faults?.length ? { faults: report.faults } : {}),
  };
  return new TextEncoder().encode(JSON.stringify(payload));
}

export interface DeviceClientOptions {
  thing: string;
  type: DeviceType;
  transport: Transport;
  buffer?: MessageBuffer;
  seqStore?: SeqStore;
  clock?: Clock;
  random?: () => number;
  backoff?: BackoffOptions;
  /** Messages published and not yet acknowledged, at most. */
  maxInFlight?: number;
  /**
   * Telemetry publishes a second, at most (default 80): AWS IoT Core throttles a connection past 100
   * publishes a second — unacknowledged, not disconnected — so a burst (a store-and-forward drain)
   * is paced below it, leaving room for shadow and jobs requests.
   */
  maxPublishesPerSecond?: number;
  /** Get the shadow on connect and follow its deltas (default true). */
  shadow?: boolean;
  /**
   * A publish with no PUBACK this long (default 30 s) counts as not acknowledged — throttled, as
   * AWS IoT Core and the local broker throttle — and is sent again on the same connection, as a new
   * publish (the transport forgets the old one).
   */
  ackTimeoutMs?: number;
}

export interface DeviceClientStats {
  /** Publishes, resends included. */
  sent: number;
  /** Messages sent again because the connection was lost, or no PUBACK came in time (at least once). */
  resent: number;
  /** Publishes that had no PUBACK within `ackTimeoutMs` (throttled): each was sent again. */
  unacknowledged: number;
  acked: number;
  dropped: number;
  queued: number;
  reconnects: number;
}

export interface DeviceClientEvents {
  connected: [];
  offline: [error?: Error];
  /** The desired state that differs from reported, with the shadow version. */
  delta: [state: Record<string, unknown>, version: number];
  /** Messages dropped because the buffer was full: counted, never silent. */
  dropped: [messages: BufferedMessage[]];
  acked: [message: BufferedMessage];
  /** Every message the device receives, whatever its topic (the jobs module listens here). */
  message: [topic: string, payload: Uint8Array];
}

/**
 * A device's connection to Fleetline: telemetry per docs/reference/contract.md §1 at QoS 1 with a per-device `seq`,
 * store-and-forward while offline (a bounded buffer, drained in order), reconnects with jittered
 * exponential backoff, and shadow sync (get on connect, deltas as events, reported state back).
 */
export class DeviceClient extends EventEmitter<DeviceClientEvents> {
  readonly stats: DeviceClientStats = {
    sent: 0,
    resent: 0,
    unacknowledged: 0,
    acked: 0,
    dropped: 0,
    queued: 0,
    reconnects: 0,
  };
  private readonly buffer: MessageBuffer;
  private seqs: SeqStore;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly inFlight = new Set<number>();
  /** Sent once already, lost with a connection or unacknowledged: the next send is a resend. */
  private readonly lost = new Set<number>();
  /** Each message's latest send: an earlier one that times out or fails no longer counts. */
  private readonly sends = new Map<number, number>();
  private sendCount = 0;
  /** When each publish of the last second went out (the pacing window). */
  private readonly recentSends: number[] = [];
  private paceTimer: NodeJS.Timeout | undefined;
  private connected = false;
  private stopped = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private tokens = 0;

  constructor(private readonly options: DeviceClientOptions) {
    super();
    this.buffer = options.buffer ?? new MemoryBuffer();
    this.seqs = options.seqStore ?? new MemorySeqStore();
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.stats.queued = this.buffer.size;
    options.transport.onMessage((topic, payload) => this.onMessage(topic, payload));
    options.transport.onClose((error) => this.onClose(error));
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** Starts connecting; resolves after the first attempt, connected or not (it keeps trying). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.tryConnect();
  }

  private async tryConnect(): Promise<void> {
    if (this.stopped || this.connected) return;
    try {
      await this.options.transport.connect();
    } catch (error) {
      this.scheduleReconnect(error as Error);
      return;
    }
    this.connected = true;
    this.attempt = 0;
    this.emit("connected");
    if (this.options.shadow !== false) await this.syncShadow().catch(() => undefined);
    this.drain();
  }

  private scheduleReconnect(error?: Error): void {
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt, this.options.backoff ?? DEFAULT_BACKOFF, this.random);
    this.attempt += 1;
    this.stats.reconnects += 1;
    this.emit("offline", error);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.tryConnect(), delay);
  }

  private onClose(error?: Error): void {
    if (!this.connected) return;
    this.connected = false;
    // Unacknowledged messages stay buffered and go out again, in order, on reconnect.
    this.inFlight.clear();
    this.scheduleReconnect(error);
  }

  /** Queues one telemetry report and returns its seq; it is sent as soon as the broker is reachable. */
  send(report: Report, ts = this.clock.now()): number {
    const seq = this.seqs.next();
    this.enqueue(encodeTelemetry(seq, ts, report), seq);
    return seq;
  }

  /** Queues bytes as they are, on the telemetry topic (a replay, or a deliberately malformed message). */
  sendRaw(payload: Uint8Array, seq?: number): void {
    this.enqueue(payload, seq);
  }

  private enqueue(payload: Uint8Array, seq: number | undefined): void {
    const topic = telemetryTopic(this.options.type, this.options.thing);
    const { dropped } = this.buffer.push({ topic, payload, ...(seq !== undefined ? { seq } : {}) });
    if (dropped.length > 0) {
      this.stats.dropped += dropped.length;
      for (const message of dropped) this.lost.delete(message.id);
      this.emit("dropped", dropped);
    }
    this.stats.queued = this.buffer.size;
    this.drain();
  }

  /** Publishes still allowed this second; when none are, a drain is scheduled for when one is. */
  private allowance(): number {
    const now = Date.now();
    while (this.recentSends.length > 0 && (this.recentSends[0] as number) <= now - 1000)
      this.recentSends.shift();
    const allowed = (this.options.maxPublishesPerSecond ?? 80) - this.recentSends.length;
    if (allowed <= 0 && this.paceTimer === undefined)
      this.paceTimer = setTimeout(
        () => {
          this.paceTimer = undefined;
          this.drain();
        },
        (this.recentSends[0] as number) + 1000 - now,
      );
    return allowed;
  }

  private drain(): void {
    if (!this.connected) return;
    const room = Math.min((this.options.maxInFlight ?? 20) - this.inFlight.size, this.allowance());
    if (room <= 0) return;
    const next = this.buffer.peek(this.inFlight.size + room).filter((m) => !this.inFlight.has(m.id));
    for (const message of next.slice(0, room)) {
      this.recentSends.push(Date.now());
      this.inFlight.add(message.id);
      this.stats.sent += 1;
      if (this.lost.delete(message.id)) this.stats.resent += 1;
      const send = ++this.sendCount;
      this.sends.set(message.id, send);
      const latest = () => this.sends.get(message.id) === send;
      // No PUBACK in time: throttled. The transport forgets this send; the message goes out again.
      const forget = new AbortController();
      const timeout = setTimeout(() => {
        if (!latest() || !this.connected) return;
        this.stats.unacknowledged += 1;
        this.inFlight.delete(message.id);
        this.lost.add(message.id);
        forget.abort();
        this.drain();
      }, this.options.ackTimeoutMs ?? 30_000);
      timeout.unref();
      this.options.transport.publish(message.topic, message.payload, 1, forget.signal).then(
        () => {
          clearTimeout(timeout);
          // Any send's PUBACK means the message is stored; later ones have nothing left to do.
          if (!this.sends.delete(message.id)) return;
          this.inFlight.delete(message.id);
          this.lost.delete(message.id);
          this.buffer.remove(message.id);
          this.stats.acked += 1;
          this.stats.queued = this.buffer.size;
          this.emit("acked", message);
          this.drain();
        },
        () => {
          clearTimeout(timeout);
          if (!latest()) return;
          // Lost with the connection: still buffered, sent again after the reconnect.
          this.inFlight.delete(message.id);
          this.lost.add(message.id);
        },
      );
    }
  }

  private clientToken(): string {
    this.tokens += 1;
    return `${this.options.thing}-${this.tokens}`.slice(-64);
  }

  private async syncShadow(): Promise<void> {
    const { thing } = this.options;
    await this.options.transport.subscribe([
      shadowTopic(thing, "update", "delta"),
      shadowTopic(thing, "get", "accepted"),
      shadowTopic(thing, "get", "rejected"),
      shadowTopic(thing, "update", "rejected"),
    ]);
    // Not awaited: telemetry does not wait on the shadow request's PUBACK (a throttled or lost one
    // would hold it back until the next reconnect); the answer arrives on get/accepted either way.
    void this.publishJson(shadowTopic(thing, "get"), { clientToken: this.clientToken() }).catch(
      () => undefined,
    );
  }

  /** Publishes a JSON document at QoS 1; resolves once the broker has it (PUBACK). */
  publishJson(topic: string, document: unknown): Promise<void> {
    return this.options.transport.publish(topic, new TextEncoder().encode(JSON.stringify(document)), 1);
  }

  /** Subscribes to more topics; a module that needs them subscribes again on each `connected`. */
  subscribe(filters: string[]): Promise<void> {
    return this.options.transport.subscribe(filters);
  }

  /**
   * Reboots the device: it drops off the network for `ms` and, with `resetSeq`, counts telemetry
   * from 0 again, as firmware that keeps its seq in memory does after a restart.
   */
  async reboot(ms: number, options: { resetSeq?: boolean } = {}): Promise<void> {
    if (options.resetSeq) this.seqs = new MemorySeqStore();
    await this.goOffline(ms);
  }

  /**
   * Drops the connection for `ms` (a device losing its network): messages sent meanwhile are
   * buffered and go out in a burst when it reconnects.
   */
  async goOffline(ms: number): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    this.inFlight.clear();
    clearTimeout(this.retryTimer);
    await this.options.transport.end().catch(() => undefined);
    this.emit("offline");
    this.retryTimer = setTimeout(() => void this.tryConnect(), ms);
  }

  /** Reports state to the shadow (`state.reported`), with a clientToken. */
  async reportState(reported: Record<string, unknown>): Promise<string> {
    const clientToken = this.clientToken();
    await this.publishJson(shadowTopic(this.options.thing, "update"), { state: { reported }, clientToken });
    return clientToken;
  }

  private onMessage(topic: string, payload: Uint8Array): void {
    this.emit("message", topic, payload);
    let document: { state?: Record<string, unknown>; version?: number };
    try {
      document = JSON.parse(new TextDecoder().decode(payload));
    } catch {
      return;
    }
    const { thing } = this.options;
    if (topic === shadowTopic(thing, "update", "delta") && document.state) {
      this.emit("delta", document.state, document.version ?? 0);
    } else if (topic === shadowTopic(thing, "get", "accepted")) {
      const delta = document.state?.delta as Record<string, unknown> | undefined;
      if (delta) this.emit("delta", delta, document.version ?? 0);
    } else if (
      topic === shadowTopic(thing, "update", "rejected") &&
      (document as { code?: unknown }).code === 409
    ) {
      // Another writer got there first: get the shadow again; its delta says what to report anew.
      void this.publishJson(shadowTopic(thing, "get"), { clientToken: this.clientToken() }).catch(
        () => undefined,
      );
    }
  }

  /**
   * Stops: waits up to `flushTimeoutMs` for buffered messages to be acknowledged, then closes.
   * Returns how many were still unacknowledged (kept, when the buffer is a file).
   */
  async close(flushTimeoutMs = 5_000): Promise<{ unsent: number }> {
    const deadline = Date.now() + flushTimeoutMs;
    // Offline for now? It may reconnect meanwhile: wait either way, up to the deadline.
    while (this.buffer.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.paceTimer);
    this.connected = false;
    await this.options.transport.end().catch(() => undefined);
    return { unsent: this.buffer.size };
  }
}
