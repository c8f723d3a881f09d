import type { IncomingMessage } from "node:http";
import { createServer as createHttpServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import type { Duplex } from "node:stream";
import type { Server } from "node:tls";
import { createWebSocketStream, WebSocketServer } from "ws";
import { browserRefusal, isLoopbackName } from "../../lib/net/browser-guard.js";
import { closeServer, listen } from "../../lib/net/listen.js";
import { type MtlsCredentials, mtlsServer, type PeerCertificate } from "./mtls-listener.js";
import type { Refusal } from "./refusals.js";

export interface ListenerOptions {
  host: string;
  mqttPort: number;
  wsPort: number;
  /** The mutual-TLS listener (AWS IoT Core's 8883): its port, and the broker's certificate and CA. */
  mtls?: { port: number; credentials: MtlsCredentials };
  /** The port of the runtime's dashboard, the only page that may open a WebSocket here. */
  dashboardPort?: () => number;
  /** The largest WebSocket message: one MQTT packet at most. */
  maxPacketBytes: number;
}

export interface ListenerHooks {
  /** A connection to hand to the broker, with its upgrade request (WebSocket) or peer (mutual TLS). */
  accept(stream: Duplex, request?: IncomingMessage, peer?: PeerCertificate): void;
  refuse(refusal: Refusal, clientId: string, detail: string): void;
  /** A listening socket failed after start-up (EMFILE …): reported, never thrown. */
  serverError(server: string, error: Error): void;
}

/**
 * The broker's three ways in: MQTT over TCP, MQTT over WebSocket (`/mqtt`, refused to web pages
 * other than the runtime's dashboard) and, when configured, MQTT over mutual TLS.
 */
export class BrokerListeners {
  private readonly tcp = createNetServer();
  private readonly http = createHttpServer();
  private readonly ws: WebSocketServer;
  private tls: Server | undefined;
  mqttPort = 0;
  wsPort = 0;
  mqttsPort = 0;

  constructor(
    private readonly options: ListenerOptions,
    private readonly hooks: ListenerHooks,
  ) {
    this.ws = new WebSocketServer({
      server: this.http,
      path: "/mqtt",
      maxPayload: options.maxPacketBytes,
      // A web page may not open a device's connection: only the runtime's dashboard, no foreign Host.
      verifyClient: ({ req }, accept) => {
        const refusal = browserRefusal(req.method ?? "GET", req.headers, {
          host: options.host,
          anyHost: !isLoopbackName(options.host),
          dashboardPort: options.dashboardPort ?? (() => 0),
        });
        if (!refusal) return accept(true);
        hooks.refuse("browser-page", "", refusal.message);
        accept(false, 403, refusal.code);
      },
    });
  }

  /** Whether the mutual-TLS listener is open. */
  get mtls(): boolean {
    return this.tls !== undefined;
  }

  async listen(): Promise<void> {
    const { hooks, options } = this;
    this.tcp.on("connection", (socket) => hooks.accept(socket));
    this.ws.on("connection", (socket, request) => hooks.accept(createWebSocketStream(socket), request));
    // The port speaks MQTT over WebSocket only: anything else is told so.
    this.http.on("request", (_request, response) => {
      response.writeHead(426, { upgrade: "websocket", "content-type": "text/plain" });
      response.end("this port speaks MQTT over WebSocket, on /mqtt\n");
    });
    const { host } = options;
    this.mqttPort = await listen(this.tcp, {
      label: "MQTT",
      flag: "--mqtt-port",
      host,
      port: options.mqttPort,
    });
    this.wsPort = await listen(this.http, {
      label: "MQTT over WebSocket",
      flag: "--ws-port",
      host,
      port: options.wsPort,
    });
    const { mtls } = options;
    if (mtls) {
      const tls = mtlsServer(
        mtls.credentials,
        (socket, peer) => hooks.accept(socket, undefined, peer),
        (detail) => hooks.refuse("tls-handshake", "", detail),
      );
      this.tls = tls;
      this.mqttsPort = await listen(tls, {
        label: "MQTT over mutual TLS",
        flag: "--mqtts-port",
        host,
        port: mtls.port,
      });
      tls.on("error", (error) => hooks.serverError("MQTT over mutual TLS", error));
    }
    // Once listening, a socket error (EMFILE when out of file descriptors) is reported, not thrown.
    this.tcp.on("error", (error) => hooks.serverError("MQTT", error));
    this.http.on("error", (error) => hooks.serverError("MQTT over WebSocket", error));
    this.ws.on("error", (error) => hooks.serverError("MQTT over WebSocket", error));
  }

  /** Stops listening and ends every WebSocket; resolves once the servers closed. */
  close(): Promise<unknown> {
    const closing = Promise.all([
      closeServer(this.tcp),
      closeServer(this.http),
      ...(this.tls ? [closeServer(this.tls)] : []),
    ]);
    for (const socket of this.ws.clients) socket.terminate();
    return closing;
  }
}
