import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** `fleetline dev` in a process of its own, as a developer runs it beside a load generator. */
export interface RuntimeProcess {
  pid: number;
  /** The ready line's addresses by name: http, mqtt, ws, kinesis, data. */
  ready: Record<string, string>;
  /** The process's resident memory now, MB (Linux: /proc; elsewhere undefined). */
  rssMb(): Promise<number | undefined>;
  /** Stops it with SIGTERM (SIGKILL after 10 s) and resolves once it exited. */
  stop(): Promise<void>;
}

const BIN = fileURLToPath(new URL("../../bin/fleetline.js", import.meta.url));
/** Every port of `fleetline dev` on a free one. */
export const FREE_PORTS = [
  "--mqtt-port",
  "0",
  "--mqtts-port",
  "0",
  "--ws-port",
  "0",
  "--http-port",
  "0",
  "--kinesis-port",
  "0",
];

/** The addresses of `fleetline dev`'s ready line by name: http, mqtt, mqtts, ws, kinesis, data. */
export function readyAddresses(line: string): Record<string, string> {
  const pairs = line
    .slice("fleetline ready ".length)
    .split(" ")
    .map((part) => part.split("=", 2) as [string, string]);
  return Object.fromEntries(pairs);
}

/**
 * With `FLEETLINE_BENCH_PROFILE=<dir>`, the runtime's process writes a CPU profile there as it exits
 * (`node --cpu-prof`): what a bench's load costs where it runs, apart from the load generator's work.
 */
function profiled(): string[] {
  const dir = process.env.FLEETLINE_BENCH_PROFILE;
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [];
}

/**
 * Starts `fleetline dev --no-simulator` on free ports, its state in `dataDir` (as a developer runs it)
 * or in memory, and waits for its ready line.
 */
export function startRuntimeProcess(
  dataDir: string | undefined,
  timeoutMs = 60_000,
): Promise<RuntimeProcess> {
  const state = dataDir === undefined ? ["--in-memory"] : ["--data-dir", dataDir];
  const child = spawn(
    process.execPath,
    [...profiled(), BIN, "dev", ...state, "--no-simulator", "--no-iot-limits", ...FREE_PORTS],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: "WARN" },
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`fleetline dev was not ready within ${timeoutMs} ms: ${output.trim().slice(-300)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      // Only the start is kept: the ready line, or why it never came.
      if (output.length < 64 * 1024) output += chunk.toString();
      const line = output.split("\n").find((l) => l.startsWith("fleetline ready "));
      if (!line) return;
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.stderr?.off("data", onData);
      child.stdout?.resume();
      child.stderr?.resume();
      resolve(handle(child, readyAddresses(line), exited));
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`fleetline dev exited before it was ready: ${output.trim().slice(-300)}`));
    });
  });
}

function handle(child: ChildProcess, ready: Record<string, string>, exited: Promise<void>): RuntimeProcess {
  const pid = child.pid as number;
  return {
    pid,
    ready,
    rssMb: async () => {
      // Read at once (a /proc file never blocks): an overloaded load generator's thread pool
      // answers an asynchronous read tens of seconds late.
      let status = "";
      try {
        status = readFileSync(`/proc/${pid}/status`, "utf8");
      } catch {
        // Not Linux, or the process is gone.
      }
      const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
      return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
      child.kill("SIGTERM");
      await exited;
      clearTimeout(kill);
    },
  };
}

/**
 * `fleetline dev` on a data dir of its own, as a developer runs it (a PUBACK then means the message
 * is on disk), for one figure; stopped and the data dir removed after.
 */
export async function withRuntime<T>(
  name: string,
  work: (runtime: RuntimeProcess) => Promise<T>,
): Promise<T> {
  const dataDir = await mkdtemp(join(tmpdir(), `fleetline-${name}-`));
  try {
    const runtime = await startRuntimeProcess(dataDir);
    try {
      return await work(runtime);
    } finally {
      await runtime.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
