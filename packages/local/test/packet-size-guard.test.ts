import { Duplex } from "node:stream";
import { describe, expect, it } from "vitest";
import { guardPacketSize } from "../src/iot/broker/packet-size-guard.js";
import { waitFor } from "./helpers.js";

/** A connection that records each write it is given, done on the next turn as a socket's are. */
function recordingSocket() {
  const writes: string[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      writes.push(chunk.toString("latin1"));
      setImmediate(callback);
    },
  });
  return { socket, writes };
}

// PUBACKs of packet ids 1…n: 0x40 0x02 id-msb id-lsb.
const puback = (id: number) => Buffer.from([0x40, 0x02, 0, id]);
const ids = (bytes: string) => [...Buffer.from(bytes, "latin1")].filter((_, i) => i % 4 === 3);

describe("the broker's side of a connection", () => {
  it("writes the packets the broker sent meanwhile in one write, in order, each one watched", async () => {
    const { socket, writes } = recordingSocket();
    const seen: number[] = [];
    const outer = guardPacketSize(socket, 1024, () => undefined, {
      sent: (packet) => seen.push(packet.type),
    });
    for (let id = 1; id <= 5; id++) outer.write(puback(id));
    await waitFor(() => writes.length === 2, "two writes");
    expect(ids(writes[0] as string)).toEqual([1]);
    // The four written while the first was under way go together.
    expect(ids(writes[1] as string)).toEqual([2, 3, 4, 5]);
    expect(seen).toHaveLength(5);
  });

  it("keeps the order around a held packet and drops a dropped one", async () => {
    const { socket, writes } = recordingSocket();
    const outer = guardPacketSize(socket, 1024, () => undefined, {
      outgoing: (chunk) => (chunk[3] === 3 ? 20 : chunk[3] === 5 ? "drop" : undefined),
    });
    for (let id = 1; id <= 7; id++) outer.write(puback(id));
    await waitFor(() => writes.flatMap(ids).includes(7), "the last packet");
    expect(writes.flatMap(ids)).toEqual([1, 2, 3, 4, 6, 7]);
  });
});
