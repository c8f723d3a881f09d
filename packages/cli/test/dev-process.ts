import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freestyleTelemetry } from "../src/bench/bench-runtime.js";
import { FREE_PORTS, readyAddresses } from "../src/bench/runtime-process.js";

const bin = fileURLToPath(new URL("../bin/fleetline.js", import.meta.url));

export interface DevProcess {
  child: ChildProcess;
  http: string;
  mqtt: string;
  /** Every address of the ready line by name: http, mqtt, mqtts, ws, kinesis, data. */
  ready: Record<string, string>;
  output(): string;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export { FREE_PORTS, freestyleTelemetry };

/** Tests count messages exactly: no simulated devices unless a test asks for them with --devices. */
function withSimulatorFlag(args: string[]): string[] {
  return args.includes("--devices") ? args : [...args, "--no-simulator"];
}

/** Starts `fleetline dev` as a real process on free ports and waits for its ready line. */
export function startDev(
  args: string[],
  timeoutMs = 60_000,
  options: { env?: Record<string, string>; command?: string[] } = {},
): Promise<DevProcess> {
  // `command` runs the CLI some other way, e.g. under a shell that sets a ulimit first.
  const [program, ...prefix] = options.command ?? [process.execPath];
  const child = spawn(program as string, [...prefix, bin, "dev", ...FREE_PORTS, ...withSimulatorFlag(args)], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: "WARN", ...options.env },
  });
  let output = "";
  // "close", not "exit": by then every line the process wrote has been read.
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`fleetline dev did not get ready:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split("\n").find((l) => l.startsWith("fleetline ready "));
      if (!line) return;
      clearTimeout(timer);
      const ready = readyAddresses(line);
      resolve({
        child,
        http: ready.http ?? "",
        mqtt: ready.mqtt ?? "",
        ready,
        output: () => output,
        stop: async (signal = "SIGTERM") => {
          if (child.exitCode === null) child.kill(signal);
          return exited;
        },
      });
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`fleetline dev exited with ${code} before it was ready:\n${output}`));
    });
  });
}

/** Runs the fleetline command to completion. */
export function fleetline(args: string[], input = "", env: Record<string, string | undefined> = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    input,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

/**
 * Runs the fleetline command without blocking this process: for a runtime started in the test's
 * own process, which must go on answering while the command talks to it.
 */
export function fleetlineAsync(
  args: string[],
  timeoutMs = 60_000,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { encoding: "utf8", timeout: timeoutMs },
      (error, out, err) => {
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        resolve({ code, out, err });
      },
    );
  });
}

/**
 * `fleetline devices add <thing> --certs DIR` against a running runtime: the paths of the
 * certificate, key and CA it wrote, as a device gets them.
 */
export async function provisionCertificate(
  url: string,
  thing: string,
  dir: string,
  type = "freestyle",
): Promise<{ cert: string; key: string; ca: string }> {
  const added = await fleetlineAsync(["devices", "add", thing, "--type", type, "--certs", dir, "--url", url]);
  if (added.code !== 0) throw new Error(`devices add ${thing} failed: ${added.err}`);
  return {
    cert: join(dir, `${thing}.cert.pem`),
    key: join(dir, `${thing}.private.key`),
    ca: join(dir, "fleetline-ca.pem"),
  };
}
