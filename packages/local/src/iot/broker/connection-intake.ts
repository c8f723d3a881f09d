import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Client } from "aedes";
import type { SocketAddress } from "./connection-tracker.js";
import type { PeerCertificate } from "./mtls-listener.js";
import type { Refusal } from "./refusals.js";
import { type WireWatch, watchWire } from "./wire-watch.js";

/** A connected client's session as its CONNECT asked: aedes keeps the keep-alive as its timer's 1.5 × interval. */
export function sessionOf(client: Client): { clean: boolean; keepAliveSeconds: number } {
  const internals = client as unknown as { clean?: boolean; _keepaliveInterval?: number };
  const interval = internals._keepaliveInterval ?? -1;
  return {
    clean: internals.clean ?? true,
    keepAliveSeconds: interval > 0 ? Math.round((interval - 1) / 1500) : 0,
  };
}

const NO_ADDRESS: SocketAddress = { sourceIp: "", sourcePort: 0, targetIp: "", targetPort: 0 };

/**
 * The connections the broker takes (TCP, WebSocket or mutual TLS), within the connection limit:
 * each watched on the wire (`watchWire`), with its addresses and verified client certificate kept
 * for what AWS IoT reports of it.
 */
export class ConnectionIntake {
  private open = 0;
  /** Every accepted connection, connected or still in its CONNECT. */
  private readonly streams = new Set<Duplex>();
  private readonly addresses = new WeakMap<Duplex, SocketAddress>();
  private readonly peers = new WeakMap<Duplex, PeerCertificate>();

  constructor(
    private readonly max: number,
    private readonly watch: WireWatch,
    private readonly refuse: (refusal: Refusal, clientId: string, detail: string) => void,
    /** Hands the watched connection to the MQTT broker. */
    private readonly handle: (stream: Duplex, request?: IncomingMessage) => void,
  ) {}

  accept(stream: Duplex, request?: IncomingMessage, peer?: PeerCertificate): void {
    const socket = (request?.socket ?? stream) as Partial<
      Record<"remoteAddress" | "localAddress", string> & Record<"remotePort" | "localPort", number>
    >;
    if (this.open >= this.max) {
      this.refuse(
        "connection-limit",
        "",
        `${this.open} connections open; the limit is ${this.max} (--max-connections)`,
      );
      stream.destroy();
      return;
    }
    this.open += 1;
    this.streams.add(stream);
    stream.once("close", () => {
      this.open -= 1;
      this.streams.delete(stream);
    });
    const guarded = watchWire(stream, this.watch);
    this.addresses.set(guarded, {
      sourceIp: socket.remoteAddress ?? "",
      sourcePort: socket.remotePort ?? 0,
      targetIp: socket.localAddress ?? "",
      targetPort: socket.localPort ?? 0,
    });
    if (peer) this.peers.set(guarded, peer);
    this.handle(guarded, request);
  }

  addressOf(connection: Duplex): SocketAddress {
    return this.addresses.get(connection) ?? NO_ADDRESS;
  }

  /** The verified client certificate of a mutual-TLS connection. */
  peerOf(connection: Duplex): PeerCertificate | undefined {
    return this.peers.get(connection);
  }

  /** Ends every connection, those still in their CONNECT included. */
  destroyAll(): void {
    for (const stream of this.streams) stream.destroy();
  }
}
