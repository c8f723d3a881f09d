import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import type { Duplex } from "node:stream";
import { type LifecycleEvent, lifecycleTopic } from "@fleetline/core/aws";
import type { ClaimIdentity } from "@fleetline/core/devices";
import { MAX_PAYLOAD_BYTES } from "@fleetline/core/telemetry";
import { Aedes, type AuthenticateError, type Client } from "aedes";
import type { DeviceRegistry } from "../registry/device-registry.js";
import { BrokerListeners } from "./broker-listeners.js";
import { ClientPolicy } from "./client-policy.js";
import { authenticateConnect, CONNACK, SERVICE_USERNAME } from "./connect-authentication.js";
import { ConnectionIntake, sessionOf } from "./connection-intake.js";
import { ConnectionRules } from "./connection-rules.js";
import { ConnectionTracker } from "./connection-tracker.js";
import { type AedesPersistence, DataPlaneConnections } from "./data-plane-connections.js";
import { DeliveryConfirmations } from "./delivery-confirmations.js";
import { EmbeddedSource } from "./embedded-source.js";
import { BrokerFaults, type Observation } from "./fault-switches.js";
import type { MtlsCredentials } from "./mtls-listener.js";
import { isClaim } from "./packet-authorization.js";
import { admitPublish, type PublishAdmission } from "./publish-admission.js";
import { emptyRefusalCounts, RecentRefusals, type Refusal, type RefusalCounts } from "./refusals.js";
import { deliverRetained } from "./retained-delivery.js";
import type { RetainedStore } from "./retained-store.js";

export interface BrokerOptions {
  host: string;
  mqttPort: number;
  wsPort: number;
  registry: DeviceRegistry;
  /** Where retained messages are kept; without it a retained publish is refused. */
  retained?: RetainedStore;
  /** Open connections at most (TCP, TLS and WebSocket together); more are closed at once. */
  maxConnections?: number;
  /** The mutual-TLS listener (AWS IoT Core's 8883): its port, and the broker's certificate and CA. */
  mtls?: { port: number; credentials: MtlsCredentials };
  /** The port of the runtime's dashboard, the only page that may open a WebSocket here; none by default. */
  dashboardPort?: () => number;
  /**
   * IoT Core's per-connection limits (keep-alive 30–1,200 s, 100 publishes and 512 KB a second, 8
   * filters a SUBSCRIBE); on unless false (`--no-iot-limits`, for load generators).
   */
  iotLimits?: boolean;
}

/** Room for 10,000 devices and the reconnects of a fleet coming back together. */
export const DEFAULT_MAX_CONNECTIONS = 12_000;

/**
 * The largest MQTT packet body (remaining length) accepted: a 128 KB payload with a topic of
 * AWS's 256 bytes and headers. A packet announcing more is cut off before its body is read.
 */
export const MAX_PACKET_BYTES = MAX_PAYLOAD_BYTES + 512;

export interface BrokerEvents {
  refused: [event: { refusal: Refusal; clientId: string; detail: string }];
  authenticated: [event: { clientId: string; username: string }];
  /** A listening socket failed (out of file descriptors, …): logged, never fatal. */
  serverError: [event: { server: string; error: Error }];
  /** What a device did: connected, published, subscribed, pinged (`fleetline conformance` reads it). */
  observed: [observation: Observation];
}

function authError(returnCode: number, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/**
 * The local stand-in for the AWS IoT Core message broker: aedes on TCP and WebSocket (`/mqtt`),
 * with thing-name/token authentication and the per-device policy of core's DEVICE_POLICY, and the
 * IoT Core limits that change device behaviour (128 KB payloads, no QoS 2).
 */
export class LocalBroker extends EventEmitter<BrokerEvents> {
  readonly refusals: RefusalCounts = emptyRefusalCounts();
  /** Faults to inject per client id: refused CONNACKs, withheld PUBACKs, lost PINGRESPs, delays. */
  readonly faults = new BrokerFaults();
  /** The client id behind each connection once it connected (for what is read off the wire). */
  private readonly clientOfStream = new WeakMap<Duplex, string>();
  /** Connections accepted and closed since start. */
  readonly connections = { opened: 0, closed: 0 };
  /** Password of the service user (RUNTIME_IDENTITIES.service), for the runtime's own clients. */
  readonly serviceToken = randomBytes(24).toString("base64url");
  private readonly policy: ClientPolicy;
  /** IoT Core's per-connection rules: keep-alive, publish allowance, filters a SUBSCRIBE, `a/#`. */
  private readonly rules: ConnectionRules;
  private readonly servers: BrokerListeners;
  /** What happens to each PUBLISH before its PUBACK. */
  private readonly admission: PublishAdmission;
  private readonly intake: ConnectionIntake;
  private readonly recent = new RecentRefusals();
  /** Connected clients by client id, from aedes' public `client`/`clientDisconnect` events. */
  private readonly clients = new Map<string, Client>();
  private aedes!: Aedes;
  private embedded!: EmbeddedSource;
  /** Direct messages awaiting their PUBACK (SendDirectMessage with confirmation). */
  private readonly confirmations = new DeliveryConfirmations();
  /** AWS IoT Core's lifecycle events and each client id's latest connection (GetConnection). */
  readonly connectionsByClient = new ConnectionTracker((event) => this.publishLifecycle(event));

  /** The IoT Data Plane's connection operations on this broker's clients. */
  readonly dataPlane: DataPlaneConnections;
  /** The claim behind a certificate (fleet provisioning); none until the runtime says. */
  private claims: (fingerprint: string) => ClaimIdentity | undefined = () => undefined;

  private constructor(private readonly options: BrokerOptions) {
    super();
    this.servers = new BrokerListeners(
      { ...options, maxPacketBytes: MAX_PACKET_BYTES },
      {
        accept: (stream, request, peer) => this.intake.accept(stream, request, peer),
        refuse: (refusal, clientId, detail) => this.refuse(refusal, clientId, detail),
        serverError: (server, error) => this.emit("serverError", { server, error }),
      },
    );
    this.rules = new ConnectionRules({
      enabled: options.iotLimits !== false,
      refuse: (refusal, clientId, detail) => this.refuse(refusal, clientId, detail),
    });
    this.policy = new ClientPolicy(
      this.rules,
      this.connectionsByClient,
      (refusal, clientId, detail) => this.refuse(refusal, clientId, detail),
      options.retained !== undefined,
    );
    this.intake = new ConnectionIntake(
      options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      {
        maxPacketBytes: MAX_PACKET_BYTES,
        tracker: this.connectionsByClient,
        confirmations: this.confirmations,
        rules: this.rules,
        faults: this.faults,
        clientOf: (connection) => this.clientOfStream.get(connection),
        refuse: (refusal, clientId, detail) => this.refuse(refusal, clientId, detail),
        observe: (observation) => this.observe(observation),
      },
      (refusal, clientId, detail) => this.refuse(refusal, clientId, detail),
      (stream, request) => this.aedes.handle(stream, request),
    );
    this.admission = {
      policy: this.policy,
      faults: this.faults,
      embedded: () => this.embedded,
      retained: options.retained,
      refuse: (refusal, clientId, detail) => this.refuse(refusal, clientId, detail),
      observing: () => this.listenerCount("observed") > 0,
      observe: (observation) => this.observe(observation),
    };
    this.dataPlane = new DataPlaneConnections({
      client: (clientId) => this.clients.get(clientId),
      // A connection holding a provisioning claim is not a device: the Data Plane does not reach it.
      principal: (client) => {
        const principal = this.policy.principalOf(client);
        return isClaim(principal) ? undefined : principal;
      },
      tracker: this.connectionsByClient,
      confirmations: this.confirmations,
      persistence: () => (this.aedes as unknown as { persistence: AedesPersistence }).persistence,
    });
  }

  static async start(options: BrokerOptions): Promise<LocalBroker> {
    const broker = new LocalBroker(options);
    await broker.listen();
    return broker;
  }

  get mqttPort(): number {
    return this.servers.mqttPort;
  }

  get wsPort(): number {
    return this.servers.wsPort;
  }

  get mqttsPort(): number {
    return this.servers.mqttsPort;
  }

  get mqttUrl(): string {
    return `mqtt://${this.options.host}:${this.mqttPort}`;
  }

  /** The mutual-TLS listener's URL, when there is one. */
  get mqttsUrl(): string | undefined {
    return this.servers.mtls ? `mqtts://${this.options.host}:${this.mqttsPort}` : undefined;
  }

  get wsUrl(): string {
    return `ws://${this.options.host}:${this.wsPort}/mqtt`;
  }

  /** Credentials for Fleetline's own MQTT clients. */
  get serviceCredentials(): { username: string; password: string } {
    return { username: SERVICE_USERNAME, password: this.serviceToken };
  }

  private async listen(): Promise<void> {
    this.aedes = await Aedes.createBroker({
      // AWS IoT allows client ids of up to 128 characters.
      maxClientsIdLength: 128,
      // Messages in delivery at once; the rules engine batches what queues up behind them.
      concurrency: 1000,
      authenticate: (client, username, password, done) => this.authenticate(client, username, password, done),
      preConnect: (client, packet, done) => {
        this.rules.connecting(client, packet);
        done(null, true);
      },
      authorizeForward: (client, packet) => (this.policy.forwardable(client, packet.topic) ? packet : null),
      authorizePublish: (client, packet, done) => admitPublish(this.admission, client, packet, done),
      authorizeSubscribe: (client, subscription, done) =>
        done(null, this.policy.authorizeSubscribe(client, subscription)),
    });
    this.embedded = new EmbeddedSource(this.aedes, (clientId) => this.clients.get(clientId));
    // A device that misbehaves is disconnected; it must never take the broker down with it.
    this.aedes.on("clientError", () => undefined);
    this.aedes.on("client", (client) => {
      this.connections.opened += 1;
      this.clients.set(client.id, client);
      this.clientOfStream.set(client.conn as unknown as Duplex, client.id);
      this.tracked(client);
      const { clean, keepAliveSeconds } = sessionOf(client);
      this.observe({ kind: "connect", clientId: client.id, at: Date.now(), clean, keepAliveSeconds });
    });
    this.aedes.on("clientDisconnect", (client) => {
      this.observe({ kind: "disconnect", clientId: client.id, at: Date.now() });
      this.connections.closed += 1;
      // A client taken over by a new connection with its id is already replaced.
      if (this.clients.get(client.id) === client) this.clients.delete(client.id);
      this.connectionsByClient.disconnected(client.conn);
    });
    // The stored messages of a resumed session are out: what follows is live, not paced.
    this.aedes.on("clientReady", (client) => this.rules.ready(client));
    this.aedes.on("ack", (packet, client) => {
      // Only watched (a conformance run): nothing is done per acknowledgement otherwise.
      if (this.listenerCount("observed") === 0 || !client || !packet || !("topic" in packet)) return;
      const payload = typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload;
      this.observe({ kind: "acked", clientId: client.id, at: Date.now(), topic: packet.topic, payload });
    });
    this.aedes.on("keepaliveTimeout", (client) =>
      this.connectionsByClient.noteReason(client.conn, "MQTT_KEEP_ALIVE_TIMEOUT"),
    );
    this.aedes.on("subscribe", (subscriptions, client) => {
      const filters = subscriptions.filter((s) => s.qos <= 1).map((s) => s.topic);
      this.observe({ kind: "subscribe", clientId: client.id, at: Date.now(), filters });
      this.connectionsByClient.subscriptions(client.conn, "subscribed", filters);
      deliverRetained(this.options.retained, client, subscriptions);
    });
    this.aedes.on("unsubscribe", (topics, client) =>
      this.connectionsByClient.subscriptions(client.conn, "unsubscribed", topics),
    );
    this.aedes.on("connectionError", () => undefined);
    this.options.registry.on("removed", (thing) => this.disconnect(thing));
    await this.servers.listen();
  }

  /** A client is connected: its connection is tracked and its `connected` event published. */
  private tracked(client: Client): void {
    const principal = this.policy.principalOf(client);
    // The runtime's own clients are not AWS IoT clients: no lifecycle events of theirs.
    if (!principal || principal === "service" || isClaim(principal)) return;
    const conn = client.conn as unknown as Duplex;
    const peer = this.intake.peerOf(conn);
    const { clean, keepAliveSeconds } = sessionOf(client);
    this.connectionsByClient.connected(conn, {
      clientId: client.id,
      thingName: principal.thing,
      principalIdentifier: peer ? peer.fingerprint : principal.thing,
      cleanSession: clean,
      keepAliveDuration: keepAliveSeconds,
      ...this.intake.addressOf(conn),
    });
  }

  /** Publishes a lifecycle event as AWS IoT Core does: to subscribers and rules, from no client. */
  private publishLifecycle(event: LifecycleEvent): void {
    this.embedded
      .publish(lifecycleTopic(event), new TextEncoder().encode(JSON.stringify(event)), 1)
      .catch(() => undefined);
  }

  private refuse(refusal: Refusal, clientId: string, detail: string): void {
    this.refusals[refusal] += 1;
    this.recent.note(clientId, refusal, detail, Date.now());
    this.emit("refused", { refusal, clientId, detail });
  }

  /** The clients refused again and again in the last minute, most refused first (`/api/health`). */
  refusedOften(now = Date.now()) {
    return this.recent.often(now);
  }

  private authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    if (this.faults.takeConnectRefusal(client.id)) {
      this.observe({ kind: "connect-attempt", clientId: client.id, at: Date.now(), refused: "fault switch" });
      done(authError(CONNACK.serverUnavailable, "server unavailable"), false);
      return;
    }
    this.observe({ kind: "connect-attempt", clientId: client.id, at: Date.now() });
    const verdict = authenticateConnect(
      { clientId: client.id, username, password, peer: this.intake.peerOf(client.conn as unknown as Duplex) },
      { registry: this.options.registry, claims: this.claims, serviceToken: this.serviceToken },
    );
    if (!verdict.ok) {
      this.refuse(verdict.refusal, client.id, verdict.detail);
      done(authError(verdict.returnCode, verdict.message), false);
      return;
    }
    this.policy.authenticated(client, verdict.principal);
    if (verdict.announced !== undefined) {
      // A new connection with a connected thing's id takes its place: the old one ends as AWS says.
      const old = this.clients.get(client.id);
      if (old && old !== client && verdict.principal !== "service" && !isClaim(verdict.principal))
        this.connectionsByClient.noteReason(old.conn, "DUPLICATE_CLIENTID");
      this.emit("authenticated", { clientId: client.id, username: verdict.announced });
    }
    done(null, true);
  }

  /** Certificates this recognises as provisioning claims, besides the registry's device certificates. */
  acceptClaims(claims: (fingerprint: string) => ClaimIdentity | undefined): void {
    this.claims = claims;
  }

  /** The claim a connected client holds, if it connected with one. */
  claimOf(clientId: string): ClaimIdentity | undefined {
    return this.policy.claimOf(this.clients.get(clientId));
  }

  /** The retained messages this broker keeps (the Data Plane reads them). */
  get retained(): RetainedStore | undefined {
    return this.options.retained;
  }

  /** In-process message source for the rules engine, which knows each message's publisher. */
  source(): EmbeddedSource {
    return this.embedded;
  }

  private observe(observation: Observation): void {
    if (this.listenerCount("observed") > 0) this.emit("observed", observation);
  }

  /** Drops a client's connection as a network would (no DISCONNECT): true if it was connected. */
  dropConnection(clientId: string): boolean {
    const client = this.clients.get(clientId);
    if (!client) return false;
    this.connectionsByClient.noteReason(client.conn, "CONNECTION_LOST");
    (client.conn as unknown as Duplex).destroy();
    return true;
  }

  /** A thing removed from the registry: its connection is closed by the server. */
  private disconnect(thing: string): void {
    const client = this.clients.get(thing);
    if (!client) return;
    this.connectionsByClient.noteReason(client.conn, "SERVER_INITIATED_DISCONNECT");
    client.close();
  }

  /** Whether a thing has a connection open now (its client id is its name). */
  isConnected(thing: string): boolean {
    return this.clients.has(thing);
  }

  get connectedClients(): number {
    return this.aedes.connectedClients;
  }

  /** Stops taking connections and disconnects every client; messages already received still flow. */
  async stopAccepting(): Promise<void> {
    const closing = this.servers.close();
    for (const client of this.clients.values()) client.close();
    // Connections that have not finished their CONNECT yet.
    this.intake.destroyAll();
    await closing;
  }

  async close(): Promise<void> {
    await this.stopAccepting();
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
  }
}
