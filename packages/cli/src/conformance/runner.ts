import type { DeviceType } from "@fleetline/core/devices";
import { CASES, type CaseStatus } from "./cases.js";
import { CaseFailure, DeviceProcess, Session } from "./session.js";
import { privateRuntime, runningRuntime } from "./targets.js";

export interface ConformanceOptions {
  /** The command that starts the device, and its arguments (none: the device is started elsewhere). */
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
  /** Listen on this address and give it to the device (a device on the LAN). */
  host?: string;
  /** Use the running `fleetline dev` at this URL (its operator token) instead of a private runtime. */
  url?: string;
  apiToken?: string;
  /** With no command: told the device's settings, for whoever starts it. */
  onSettings?: (env: Record<string, string>) => void;
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
 * A qualification run (docs/guide/conformance.md): a private runtime on free ports (or a running
 * one, `url`), a thing registered for the device, the device command started with its connection
 * settings in the environment (or, with no command, the settings told and the device awaited),
 * then each case in turn against what the broker sees it do.
 */
export async function runConformance(options: ConformanceOptions): Promise<CaseResult[]> {
  const thing = options.thing ?? `conformance-${options.type}`;
  const targetOptions = { ...options, thing };
  const target = options.url
    ? await runningRuntime({ ...targetOptions, url: options.url })
    : await privateRuntime(targetOptions);
  let session: Session | undefined;
  try {
    const device = new DeviceProcess(options.command, target.env);
    session = new Session(target.link, thing, options.type, target.api, device, options.signal);
    await session.attach();
    if (options.command.length === 0) options.onSettings?.(target.env);
    device.start();
    const results: CaseResult[] = [];
    try {
      await runCases(session, options, results);
    } finally {
      await device.stop();
    }
    return results;
  } finally {
    await session?.detach();
    await target.stop();
  }
}

/** Each case in turn, until the last or until the run is stopped. */
async function runCases(session: Session, options: ConformanceOptions, results: CaseResult[]): Promise<void> {
  const { device } = session;
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
    await session.clearFaults().catch(() => undefined);
    results.push(result);
    options.onCase?.(result);
  }
}

const describe = (spec: (typeof CASES)[number]) => ({
  suite: spec.suite,
  name: spec.name,
  expects: spec.expects,
});
