import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { errorKind } from "@fleetline/core/common";
import type { Runtime } from "@fleetline/local";
import { isLoopback, portFlag, urlFlag } from "../flags.js";
import type { Io } from "../io.js";
import { EXIT, UsageError } from "../usage.js";
import { VERSION } from "../version.js";
import { faultsFlag, positiveInt, rateFlag } from "./simulate.js";

/** The API token's minimum length, as the AWS stacks require of the API_TOKEN secret. */
const MIN_API_TOKEN_LENGTH = 16;

/** `--inspect` or `--inspect=[host:]port`, as node takes it (parseArgs cannot take an optional value). */
function inspectFlag(args: string[]): { rest: string[]; inspect?: { host: string; port: number } } {
  const at = args.findIndex((arg) => arg === "--inspect" || arg.startsWith("--inspect="));
  if (at === -1) return { rest: args };
  const value = (args[at] as string).split("=")[1] ?? "9229";
  const match = /^(?:([\w.-]+):)?(\d{1,5})$/.exec(value);
  if (!match || Number(match[2]) > 65535)
    throw new UsageError(`--inspect takes a port or host:port such as 9229, got "${value}"`);
  return {
    rest: [...args.slice(0, at), ...args.slice(at + 1)],
    inspect: { host: match[1] ?? "127.0.0.1", port: Number(match[2]) },
  };
}

function parseDevArgs(all: string[]) {
  const { rest: args, inspect } = inspectFlag(all);
  const { values, positionals } = parseArgs({
    args,
    options: {
      host: { type: "string" },
      "mqtt-port": { type: "string" },
      "mqtts-port": { type: "string" },
      "ws-port": { type: "string" },
      "http-port": { type: "string" },
      "kinesis-port": { type: "string" },
      "data-dir": { type: "string" },
      "in-memory": { type: "boolean" },
      broker: { type: "string" },
      mqtt5: { type: "boolean" },
      "api-token": { type: "string" },
      devices: { type: "string" },
      "no-simulator": { type: "boolean" },
      faults: { type: "string" },
      rate: { type: "string" },
      "max-connections": { type: "string" },
      "viewer-token": { type: "string" },
      watch: { type: "boolean" },
      "watch-path": { type: "string", multiple: true },
      invocations: { type: "string" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values["in-memory"] && values["data-dir"] !== undefined) {
    throw new UsageError("--in-memory and --data-dir exclude each other");
  }
  const host = values.host ?? "127.0.0.1";
  // Read once here: FLEETLINE_API_TOKEN keeps the token out of the process list and shell history.
  const apiToken = values["api-token"] ?? process.env.FLEETLINE_API_TOKEN;
  if (apiToken !== undefined && apiToken.length < MIN_API_TOKEN_LENGTH) {
    throw new UsageError(
      `the API token must be at least ${MIN_API_TOKEN_LENGTH} characters, as on AWS: FLEETLINE_API_TOKEN=$(openssl rand -hex 32)`,
    );
  }
  const viewerToken = values["viewer-token"] ?? process.env.FLEETLINE_VIEWER_TOKEN;
  if (viewerToken !== undefined) {
    if (viewerToken.length < MIN_API_TOKEN_LENGTH)
      throw new UsageError(`the viewer token must be at least ${MIN_API_TOKEN_LENGTH} characters, as on AWS`);
    if (!apiToken)
      throw new UsageError("a viewer token needs an API token for the writes: set FLEETLINE_API_TOKEN too");
    if (viewerToken === apiToken) throw new UsageError("the viewer token must differ from the API token");
  }
  if (!isLoopback(host) && !apiToken) {
    throw new UsageError(
      `listening on ${host} exposes the API beyond this machine; set FLEETLINE_API_TOKEN (or pass --api-token) too`,
    );
  }
  const simulator = values["no-simulator"]
    ? undefined
    : {
        devices: values.devices === undefined ? 20 : positiveInt("devices", values.devices, 20),
        rateHz: rateFlag(values.rate, 0.2),
        faults: faultsFlag(values.faults, "default"),
      };
  if (values["no-simulator"] && values.devices !== undefined)
    throw new UsageError("--devices and --no-simulator exclude each other");
  if (values["watch-path"] && !values.watch) throw new UsageError("--watch-path needs --watch");
  if (values.mqtt5 && values.broker !== undefined)
    throw new UsageError("--mqtt5 runs its own broker (mosquitto): leave out --broker");
  const watch = values.watch ? { paths: values["watch-path"] ?? [] } : undefined;
  return {
    simulator,
    watch,
    inspect,
    host,
    mqttPort: portFlag("mqtt-port", values["mqtt-port"], 1883),
    // Devices with certificates, as on AWS IoT Core (only with the embedded broker).
    ...(values.broker === undefined ? { mqttsPort: portFlag("mqtts-port", values["mqtts-port"], 8883) } : {}),
    ...(values.mqtt5 ? { mqtt5: true } : {}),
    wsPort: portFlag("ws-port", values["ws-port"], 8083),
    httpPort: portFlag("http-port", values["http-port"], 8080),
    kinesisPort: portFlag("kinesis-port", values["kinesis-port"], 4567),
    ...(values["in-memory"] ? {} : { dataDir: values["data-dir"] ?? ".fleetline" }),
    ...(values.broker !== undefined
      ? { brokerUrl: urlFlag("broker", values.broker, ["mqtt:", "mqtts:"]) }
      : {}),
    ...(apiToken !== undefined ? { apiToken } : {}),
    ...(viewerToken !== undefined ? { viewerToken } : {}),
    ...(values["max-connections"] !== undefined
      ? { maxConnections: positiveInt("max-connections", values["max-connections"], 1) }
      : {}),
    ...(values.invocations !== undefined
      ? { invocationsPerFunction: positiveInt("invocations", values.invocations, 200) }
      : {}),
    // Stopped at a breakpoint, a batch must not time out into the dead-letter queue.
    ...(inspect ? { functionTimeoutMs: 0 } : {}),
    version: VERSION,
  };
}

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      // A second signal while draining means "now".
      process.once("SIGINT", () => process.exit(130));
      process.once("SIGTERM", () => process.exit(143));
      resolve(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

async function watchFunctions(runtime: Runtime, paths: string[], io: Io) {
  const { FunctionWatcher, DEFAULT_WATCH_PATHS } = await import("../dev/function-watcher.js");
  const watched = paths.length > 0 ? paths.map((path) => resolve(path)) : DEFAULT_WATCH_PATHS;
  const watcher = new FunctionWatcher({
    paths: watched,
    reload: (factories) => runtime.reloadFunctions(factories),
    say: (line) => io.stderr(`${line}\n`),
  });
  watcher.start();
  io.stderr(`fleetline dev: watching ${watched.join(", ")}; an edit swaps the functions between batches\n`);
  return watcher;
}

/** The Node inspector, for breakpoints in the handlers' TypeScript (docs/guide/debugging.md). */
async function openInspector(at: { host: string; port: number }, io: Io): Promise<void> {
  const inspector = await import("node:inspector");
  try {
    inspector.open(at.port, at.host, false);
  } catch (error) {
    throw new UsageError(`--inspect: cannot listen on ${at.host}:${at.port}: ${(error as Error).message}`);
  }
  io.stderr(
    `fleetline dev: debugger listening on ${inspector.url()}; attach VS Code or chrome://inspect — functions have no timeout while it is open\n`,
  );
}

/** `fleetline dev` (docs/reference/contract.md §3): the whole pipeline locally, until SIGINT or SIGTERM. */
export async function devCommand(args: string[], io: Io): Promise<number> {
  const { simulator, watch, inspect, ...config } = parseDevArgs(args);
  // Loaded after the arguments are checked: a usage error answers at once.
  const { Runtime } = await import("@fleetline/local");
  let runtime: Runtime;
  try {
    runtime = await Runtime.start(config);
  } catch (error) {
    // A fatal error is one the user fixes (a port, the data dir, a rule): one line, no stack.
    if (errorKind(error) === "fatal" && error instanceof Error) {
      io.stderr(`fleetline dev: ${error.message}\n`);
      return EXIT.invalid;
    }
    throw error;
  }
  const crashed = runtime.recoveredFrom;
  if (crashed) {
    io.stderr(
      `fleetline dev: the run started ${new Date(crashed.startedAt).toISOString()} (PID ${crashed.pid}) did not stop cleanly; every stream resumes from its last checkpoint, nothing acknowledged is lost\n`,
    );
  }
  io.stdout(`${runtime.readyLine()}\n`);
  if (!isLoopback(config.host)) {
    io.stderr(
      `fleetline dev: devices and the API listen on ${config.host}; the Kinesis API stays on 127.0.0.1 (it has no authentication)\n`,
    );
  }
  let fleet: Awaited<ReturnType<typeof import("@fleetline/simulator").LiveFleet.start>> | undefined;
  if (simulator) {
    const { LiveFleet } = await import("@fleetline/simulator");
    const url = runtime.urls.http;
    fleet = await LiveFleet.start({
      ...simulator,
      type: "mixed",
      seed: "fleetline-dev",
      prefix: "sim",
      target: { kind: "local", url, ...(config.apiToken ? { apiToken: config.apiToken } : {}) },
    });
    io.stderr(
      `fleetline dev: simulating ${simulator.devices} devices (${simulator.rateHz} reports/s each, faults ${simulator.faults}); --no-simulator turns them off\n`,
    );
  }
  const watcher = watch ? await watchFunctions(runtime, watch.paths, io) : undefined;
  if (inspect) await openInspector(inspect, io);
  const signal = await untilSignal();
  io.stderr(`fleetline dev: ${signal}: draining in-flight batches…\n`);
  await watcher?.stop();
  await fleet?.stop(2_000);
  await runtime.stop();
  io.stderr("fleetline dev: stopped\n");
  return EXIT.ok;
}
