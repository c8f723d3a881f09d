import { Duplex } from "node:stream";

/** A packet seen on the wire: its type and flags (the first byte's nibbles) and its body's first bytes. */
export interface WirePacket {
  type: number;
  flags: number;
  /** Up to PREFIX_BYTES of the body: enough for a PUBLISH's topic and packet id, or a PUBACK's id. */
  prefix: Buffer;
}

/** A topic of AWS's 256 bytes, its length and a packet id fit. */
const PREFIX_BYTES = 512;

/**
 * Reads MQTT packets as bytes stream by, without parsing them: each packet's remaining length is
 * known from its first 2–5 bytes, long before its body arrives; the start of each body is kept for
 * those who watch the packets.
 */
export class FixedHeaderScanner {
  private state: "type" | "length" | "body" = "type";
  private first = 0;
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private bodyLeft = 0;
  private prefix: Buffer[] = [];
  private prefixLength = 0;

  constructor(
    private readonly limit: number,
    /** Told of each packet once its body's start has passed (its whole body, when shorter). */
    private readonly onPacket: (packet: WirePacket) => void = () => undefined,
  ) {}

  private emit(): void {
    this.onPacket({ type: this.first >> 4, flags: this.first & 0x0f, prefix: Buffer.concat(this.prefix) });
    this.prefix = [];
    this.prefixLength = 0;
  }

  /** Feeds bytes; returns the announced remaining length of the first packet over the limit, if any. */
  feed(chunk: Uint8Array): number | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === "body") {
        const take = Math.min(this.bodyLeft, chunk.length - i);
        const keep = Math.min(take, PREFIX_BYTES - this.prefixLength);
        if (keep > 0) {
          this.prefix.push(Buffer.from(chunk.subarray(i, i + keep)));
          this.prefixLength += keep;
          if (this.prefixLength === PREFIX_BYTES || keep === this.bodyLeft) this.emit();
        }
        this.bodyLeft -= take;
        i += take;
        if (this.bodyLeft === 0) this.state = "type";
        continue;
      }
      const byte = chunk[i++] as number;
      if (this.state === "type") {
        this.first = byte;
        this.state = "length";
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes += 1;
      // MQTT's variable-length integer has at most 4 bytes; a fifth is a malformed packet.
      if (this.length > this.limit || (byte & 0x80 && this.lengthBytes === 4)) return this.length;
      if (byte & 0x80) continue;
      this.bodyLeft = this.length;
      if (this.length === 0) {
        this.emit();
        this.state = "type";
      } else this.state = "body";
    }
    return undefined;
  }
}

/**
 * The connection as aedes sees it, cut the moment a packet announces more than `limit` bytes: aedes
 * would otherwise buffer the whole packet (8 MB and more of a 200 MB announcement) before its
 * payload check could run.
 */
export function guardPacketSize(
  inner: Duplex,
  limit: number,
  onOversize: (announced: number) => void,
  /** Each packet the client sends, and each the broker sends it. */
  watch: {
    received?: (packet: WirePacket) => void;
    sent?: (packet: WirePacket) => void;
    /** What to do with bytes the broker sends: drop them, or hold them this many ms (fault switches). */
    outgoing?: (chunk: Buffer) => "drop" | number | undefined;
  } = {},
): Duplex {
  const scanner = new FixedHeaderScanner(limit, watch.received);
  // What the broker writes is its own: no limit to enforce, only packets to watch.
  const sent = watch.sent && new FixedHeaderScanner(Number.MAX_SAFE_INTEGER, watch.sent);
  const outer = new Duplex({
    read() {
      inner.resume();
    },
    write(chunk, encoding, callback) {
      const fault = watch.outgoing?.(chunk);
      if (fault === "drop") return callback();
      sent?.feed(chunk);
      // Held writes keep their order: the next is not taken before this one's callback.
      if (typeof fault === "number" && fault > 0)
        setTimeout(() => inner.write(chunk, encoding, callback), fault);
      else inner.write(chunk, encoding, callback);
    },
    // Packets the broker wrote while the last write was under way — the PUBACKs of one fsync round —
    // go to the socket in one write, not a system call each; a held one (a fault switch) is written
    // after those before it, as `write` would.
    writev(chunks, callback) {
      const now: Buffer[] = [];
      for (const [index, { chunk }] of chunks.entries()) {
        const fault = watch.outgoing?.(chunk);
        if (fault === "drop") continue;
        if (typeof fault === "number" && fault > 0) {
          const rest = chunks.slice(index + 1);
          if (now.length > 0) inner.write(Buffer.concat(now));
          sent?.feed(chunk);
          setTimeout(() => {
            inner.write(chunk);
            if (rest.length === 0) callback();
            else outer._writev?.(rest, callback);
          }, fault);
          return;
        }
        sent?.feed(chunk);
        now.push(chunk);
      }
      if (now.length === 0) callback();
      else inner.write(now.length === 1 ? (now[0] as Buffer) : Buffer.concat(now), callback);
    },
    final(callback) {
      inner.end();
      callback();
    },
    destroy(error, callback) {
      inner.destroy();
      callback(error);
    },
  });
  inner.on("data", (chunk: Buffer) => {
    const announced = scanner.feed(chunk);
    if (announced !== undefined) {
      onOversize(announced);
      inner.destroy();
      outer.destroy();
      return;
    }
    if (!outer.push(chunk)) inner.pause();
  });
  inner.on("end", () => outer.push(null));
  inner.on("error", (error) => outer.destroy(error));
  inner.on("close", () => outer.destroy());
  return outer;
}
