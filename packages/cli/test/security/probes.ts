import { connect } from "node:net";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";

/**
 * Sends raw bytes to a port; resolves with what came back and whether the server closed the
 * connection within `waitMs` (else the client hangs up then).
 */
export function exchange(
  port: number,
  request: string | Buffer,
  waitMs = 2_000,
): Promise<{ answer: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(request));
    let answer = "";
    const done = (closedByServer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ answer, closedByServer });
    };
    const timer = setTimeout(() => done(false), waitMs);
    socket.on("data", (chunk) => {
      answer += chunk.toString("latin1");
    });
    socket.on("close", () => done(true));
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Sends raw bytes to a port and resolves with what came back by the time the server closed or 2 s passed. */
export async function raw(port: number, request: string | Buffer): Promise<string> {
  return (await exchange(port, request)).answer;
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
 * `announced` bytes; resolves "closed" if the broker hangs up before `waitMs`, else "open".
 */
export function announcePublish(
  port: number,
  thing: string,
  token: string,
  announced: number,
  waitMs = 5_000,
): Promise<"closed" | "open"> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(connectPacket(thing, token)));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve("open");
    }, waitMs);
    socket.once("data", () => socket.write(Buffer.concat([Buffer.from([0x30]), remainingLength(announced)])));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve("closed");
    });
  });
}
