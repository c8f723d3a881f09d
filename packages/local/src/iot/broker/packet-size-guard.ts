import { Duplex } from "node:stream";

/**
 * Reads MQTT fixed headers as bytes stream by, without parsing packets: each packet's remaining
 * length is known from its first 2–5 bytes, long before its body arrives.
 */
class FixedHeaderScanner {
  private state: "type" | "length" | "body" = "type";
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private bodyLeft = 0;

  constructor(private readonly limit: number) {}

  /** Feeds bytes; returns the announced remaining length of the first packet over the limit, if any. */
  feed(chunk: Uint8Array): number | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === "body") {
        const take = Math.min(this.bodyLeft, chunk.length - i);
        this.bodyLeft -= take;
        i += take;
        if (this.bodyLeft === 0) this.state = "type";
        continue;
      }
      const byte = chunk[i++] as number;
      if (this.state === "type") {
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
      this.state = this.length === 0 ? "type" : "body";
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
): Duplex {
  const scanner = new FixedHeaderScanner(limit);
  const outer = new Duplex({
    read() {
      inner.resume();
    },
    write(chunk, encoding, callback) {
      inner.write(chunk, encoding, callback);
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
