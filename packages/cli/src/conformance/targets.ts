import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DeviceType } from "@fleetline/core/devices";
import { Runtime } from "@fleetline/local";
import { ApiError, callApi, requestApi } from "../runtime-api.js";
import { type BrokerLink, InProcessBroker } from "./broker-link.js";
import { RemoteBroker } from "./remote-broker.js";

/** What a run qualifies the device against: a broker to watch, the API, the device's settings. */
export interface Target {
  link: BrokerLink;
  /** The runtime's HTTP API (shadows, jobs), answering whatever the status. */
  api: (path: string, init?: RequestInit) => Promise<Response>;
  /** The device's connection settings, as environment variables. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface TargetOptions {
  type: DeviceType;
  thing: string;
  mtls?: boolean;
  /** The address to listen on and give the device (a device on the LAN). */
  host?: string;
  /** A running `fleetline dev` to use instead of a private runtime, and its operator token. */
  url?: string;
  apiToken?: string;
}

/** The API at `url`, with the operator's token if there is one, answering whatever the status. */
const plainApi =
  (url: string, token: string | undefined) =>
  (path: string, init: RequestInit = {}) =>
    requestApi(url, path, init, token);

/** A credential as registering answers it: a token, or a certificate and key with the CA. */
type Issued = { token: string } | { certificatePem: string; privateKey: string; caPem: string };

/** Writes a certificate credential to files and names them in the environment; a token goes as it is. */
async function settings(issued: Issued, mqttUrl: string, options: TargetOptions, dir: string) {
  const base = {
    FLEETLINE_THING: options.thing,
    FLEETLINE_DEVICE_TYPE: options.type,
    FLEETLINE_MQTT_URL: mqttUrl,
  };
  if ("token" in issued) return { ...base, FLEETLINE_TOKEN: issued.token };
  const files = { FLEETLINE_CERT: "cert.pem", FLEETLINE_KEY: "private.key", FLEETLINE_CA: "ca.pem" };
  await writeFile(join(dir, files.FLEETLINE_CERT), issued.certificatePem);
  await writeFile(join(dir, files.FLEETLINE_KEY), issued.privateKey, { mode: 0o600 });
  await writeFile(join(dir, files.FLEETLINE_CA), issued.caPem);
  return {
    ...base,
    ...Object.fromEntries(Object.entries(files).map(([key, name]) => [key, join(dir, name)])),
  };
}

/** A runtime of the run's own on free ports (on `host`), stopped with it. */
export async function privateRuntime(options: TargetOptions): Promise<Target> {
  const runtime = await Runtime.start({
    host: options.host ?? "127.0.0.1",
    mqttPort: 0,
    wsPort: 0,
    httpPort: 0,
    kinesisPort: 0,
    mqttsPort: options.mtls ? 0 : undefined,
    version: "conformance",
  });
  const dir = await mkdtemp(join(tmpdir(), "fleetline-conformance-"));
  const stop = async () => {
    await runtime.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const broker = runtime.broker;
    if (!broker) throw new Error("the conformance runtime has no embedded broker");
    const issued = (await runtime.registry.register(
      options.thing,
      options.type,
      undefined,
      options.mtls ? "certificate" : "token",
    )) as Issued;
    const url = options.mtls ? (runtime.urls.mqtts as string) : runtime.urls.mqtt;
    return {
      link: new InProcessBroker(broker),
      api: plainApi(runtime.urls.http, undefined),
      env: await settings(issued, url, options, dir),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * A running `fleetline dev` at `url`: the thing is registered there afresh (one left from an
 * earlier run is removed first, with its shadow and jobs), and removed again at the end.
 */
export async function runningRuntime(options: TargetOptions & { url: string }): Promise<Target> {
  const { url, apiToken, thing } = options;
  const call = (path: string, init: RequestInit = {}) => callApi(url, path, init, apiToken);
  const info = (await (await call("/api/info")).json()) as { mqttUrl: string; mqttsUrl?: string };
  if (options.mtls && !info.mqttsUrl)
    throw new ApiError(`the runtime at ${url} has no mutual-TLS port: start it with --mqtts-port`);
  const register = () =>
    call("/api/things", {
      method: "POST",
      body: JSON.stringify({
        thing,
        type: options.type,
        credentials: options.mtls ? "certificate" : "token",
      }),
    });
  const removeThing = () => call(`/api/things/${encodeURIComponent(thing)}`, { method: "DELETE" });
  const response = await register().catch(async (error: unknown) => {
    if (!(error instanceof ApiError && error.status === 409)) throw error;
    await removeThing();
    return register();
  });
  const issued = (await response.json()) as Issued;
  const dir = await mkdtemp(join(tmpdir(), "fleetline-conformance-"));
  const mqttUrl = options.mtls ? (info.mqttsUrl as string) : info.mqttUrl;
  return {
    link: new RemoteBroker(url, apiToken),
    api: plainApi(url, apiToken),
    env: await settings(issued, mqttUrl, options, dir),
    stop: async () => {
      await removeThing().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
