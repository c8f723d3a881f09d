import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DeviceType } from "@fleetline/core/devices";
import { Runtime } from "@fleetline/local";
import { CASES, type CaseStatus } from "./cases.js";
import { CaseFailure, DeviceProcess, Session } from "./session.js";

export interface ConformanceOptions {
  /** The command that starts the device, and its arguments. */
  command: string[];
  type: DeviceType;
  /** Only these suites (default: all). */
  suites?: string[];
  /** Connect over mutual TLS with a certificate instead of a token. */
  mtls?: boolean;
  /** The thing to register (default `conformance-<type>`). */
  thing?: string;
  /** Told of each case as it ends. */
  onCase?: (result: CaseResult) => void;
  /** Stops the run: the case under way ends, the device and the runtime are stopped. */
  signal?: AbortSignal;
}

export interface CaseResult {
  suite: string;
  name: string;
  expects: string;
  status: CaseStatus;
  did: string;
  ms: number;
}

/**
 * A qualification run (docs/guide/conformance.md): a private runtime on free ports, a thing
 * registered for the device, the device command started with its connection settings in the
 * environment, then each case in turn against what the broker sees it do.
 */
export async function runConformance(options: ConformanceOptions): Promise<CaseResult[]> {
  const runtime = await Runtime.start({
    host: "127.0.0.1",
    mqttPort: 0,
    wsPort: 0,
    httpPort: 0,
    kinesisPort: 0,
    mqttsPort: options.mtls ? 0 : undefined,
    version: "conformance",
  });
  const dir = await mkdtemp(join(tmpdir(), "fleetline-conformance-"));
  const thing = options.thing ?? `conformance-${options.type}`;
  const broker = runtime.broker;
  if (!broker) throw new Error("the conformance runtime has no embedded broker");
  let session: Session | undefined;
  try {
    const env = await credentials(runtime, thing, options, dir);
    const device = new DeviceProcess(options.command, env);
    session = new Session(broker, thing, options.type, runtime.urls.http, device, options.signal);
    device.start();
    const results: CaseResult[] = [];
    try {
      await runCases(session, options, results);
    } finally {
      await device.stop();
    }
    return results;
  } finally {
    session?.detach();
    await runtime.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Each case in turn, until the last or until the run is stopped. */
async function runCases(session: Session, options: ConformanceOptions, results: CaseResult[]): Promise<void> {
  const { device, broker, thing } = session;
  for (const spec of CASES.filter((c) => !options.suites || options.suites.includes(c.suite))) {
    if (options.signal?.aborted) return;
    const started = Date.now();
    let result: CaseResult;
    try {
      // A device that is gone fails what is left, each case in one line, at once.
      if (device.exited) throw new CaseFailure(device.exited);
      const outcome = await spec.run(session);
      result = {
        ...describe(spec),
        status: outcome.status ?? "passed",
        did: outcome.did,
        ms: Date.now() - started,
      };
    } catch (error) {
      if (!(error instanceof CaseFailure)) throw error;
      result = { ...describe(spec), status: "failed", did: error.message, ms: Date.now() - started };
    }
    broker.faults.clear(thing);
    results.push(result);
    options.onCase?.(result);
  }
}

const describe = (spec: (typeof CASES)[number]) => ({
  suite: spec.suite,
  name: spec.name,
  expects: spec.expects,
});

/** The device's connection settings: a token on the MQTT port, or a certificate on the mutual-TLS port. */
async function credentials(
  runtime: Runtime,
  thing: string,
  options: ConformanceOptions,
  dir: string,
): Promise<Record<string, string>> {
  const base = { FLEETLINE_THING: thing, FLEETLINE_DEVICE_TYPE: options.type };
  if (!options.mtls) {
    const { token } = await runtime.registry.register(thing, options.type);
    return { ...base, FLEETLINE_MQTT_URL: runtime.urls.mqtt, FLEETLINE_TOKEN: token };
  }
  const issued = (await runtime.registry.register(thing, options.type, undefined, "certificate")) as {
    certificatePem: string;
    privateKey: string;
    caPem: string;
  };
  const files = { FLEETLINE_CERT: "cert.pem", FLEETLINE_KEY: "private.key", FLEETLINE_CA: "ca.pem" };
  await writeFile(join(dir, files.FLEETLINE_CERT), issued.certificatePem);
  await writeFile(join(dir, files.FLEETLINE_KEY), issued.privateKey, { mode: 0o600 });
  await writeFile(join(dir, files.FLEETLINE_CA), issued.caPem);
  return {
    ...base,
    FLEETLINE_MQTT_URL: runtime.urls.mqtts as string,
    ...Object.fromEntries(Object.entries(files).map(([key, name]) => [key, join(dir, name)])),
  };
}
