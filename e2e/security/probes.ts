import { connect, type Socket } from "node:net";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";

/** How long a probe waits for the server to answer or hang up before it calls that a failure. */
const ANSWER_BOUND_MS = 10_000;

/**
 * Sends raw bytes to a port and resolves with what came back once the server closed the
 * connection; rejects if it neither closed it nor failed within ANSWER_BOUND_MS. An HTTP probe
 * asks for `Connection: close`, so the server's answer ends the exchange.
 */
export function exchange(port: number, request: string | Buffer): Promise<{ answer: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(request));
    let answer = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server on port ${port} neither answered nor hung up: ${JSON.stringify(answer)}`));
    }, ANSWER_BOUND_MS);
    socket.on("data", (chunk) => {
      answer += chunk.toString("latin1");
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ answer });
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Sends raw bytes to a port and resolves with what came back by the time the server closed. */
export async function raw(port: number, request: string | Buffer): Promise<string> {
  return (await exchange(port, request)).answer;
}

/** `n` connections to a port, each open (or refused: null) — held until the caller destroys them. */
export function holdConnections(port: number, n: number): Promise<Array<Socket | null>> {
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Socket | null>((resolve) => {
          const socket = connect(port, "127.0.0.1", () => resolve(socket));
          socket.on("error", () => resolve(null));
        }),
    ),
  );
}

/** MQTT's PINGREQ: a broker that still serves the connection answers PINGRESP (0xd0 0x00). */
export const PINGREQ = Buffer.from([0xc0, 0x00]);

/**
 * Connects as a device over raw TCP and sends `packets`, then a PINGREQ: "open" when the broker
 * answers the ping (it handled everything before it and kept the connection), "closed" when it
 * hangs up first.
 */
export function afterConnect(
  port: number,
  connectBytes: Buffer,
  packets: Buffer,
): Promise<"closed" | "open"> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () =>
      socket.write(Buffer.concat([connectBytes, packets, PINGREQ])),
    );
    let answer = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error("the broker neither answered the ping nor hung up"));
    }, ANSWER_BOUND_MS);
    const done = (outcome: "closed" | "open") => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    socket.on("data", (chunk) => {
      answer = Buffer.concat([answer, chunk]);
      // CONNACK (4 bytes), then the PINGRESP.
      if (answer.subarray(4).includes(Buffer.from([0xd0, 0x00]))) done("open");
    });
    socket.on("close", () => done("closed"));
    socket.on("error", () => done("closed"));
  });
}

/** The status code of a raw HTTP answer, 0 if there was none. */
export function statusOf(answer: string): number {
  return Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 0);
}

export const portOf = (url: string) => Number(new URL(url).port);

/** An MQTT 3.1.1 connection as a device makes it; rejects with the CONNACK code when refused. */
export async function device(url: string, thing: string, password: string, extra: IClientOptions = {}) {
  const client = await mqtt.connectAsync(url, {
    clientId: thing,
    username: thing,
    password,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    ...extra,
  });
  // The broker hanging up on a misbehaving device is the expected answer, not an error to throw.
  client.on("error", () => undefined);
  return client;
}

/** The QoS a SUBSCRIBE was granted: 128 when refused (mqtt.js reports that as an error). */
export async function granted(client: MqttClient, filter: string): Promise<number | undefined> {
  try {
    return (await client.subscribeAsync(filter, { qos: 1 }))[0]?.qos;
  } catch (error) {
    const packet = (error as { packet?: { granted?: Array<number | { qos: number }> } }).packet;
    const grant = packet?.granted?.[0];
    return typeof grant === "number" ? grant : grant?.qos;
  }
}

/** Resolves when the broker has closed the client's connection. */
export function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => {
    if (!client.connected) return resolve();
    client.once("close", () => resolve());
  });
}

/** An MQTT CONNECT packet (3.1.1) for a thing with its token, as bytes. */
export function connectPacket(thing: string, token: string): Buffer {
  const field = (text: string) => {
    const bytes = Buffer.from(text);
    return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
  };
  const body = Buffer.concat([
    field("MQTT"),
    Buffer.from([4, 0b1100_0010, 0, 60]),
    field(thing),
    field(thing),
    field(token),
  ]);
  return Buffer.concat([Buffer.from([0x10, body.length]), body]);
}

/** MQTT's variable-length integer. */
export function remainingLength(n: number): Buffer {
  const bytes: number[] = [];
  let left = n;
  do {
    let byte = left % 128;
    left = Math.floor(left / 128);
    if (left > 0) byte |= 0x80;
    bytes.push(byte);
  } while (left > 0);
  return Buffer.from(bytes);
}

/**
 * Connects as a device over raw TCP and sends only the fixed header of a PUBLISH announcing
 * `announced` bytes; resolves once the broker hangs up, rejects if it has not within ANSWER_BOUND_MS.
 */
export function announcePublish(
  port: number,
  thing: string,
  token: string,
  announced: number,
): Promise<"closed"> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(connectPacket(thing, token)));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the broker kept a connection that announced ${announced} bytes`));
    }, ANSWER_BOUND_MS);
    socket.once("data", () => socket.write(Buffer.concat([Buffer.from([0x30]), remainingLength(announced)])));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve("closed");
    });
  });
}
