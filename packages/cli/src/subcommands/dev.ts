import { resolve } from "node:path";
import { errorKind } from "@fleetline/core/common";
import type { Runtime, RuntimeConfig } from "@fleetline/local";
import { FAULT_PROFILES, type FaultProfile } from "@fleetline/simulator/chaos";
import { Option } from "commander";
import type { Io } from "../io.js";
import { isLoopback, oneOf, portNumber, positiveNumber, urlValue, wholeNumber } from "../options.js";
import { signalExitCode, stopSignals } from "../stop-signals.js";
import { type Definer, examples, run } from "../subcommand-kit.js";
import { EXIT, UsageError } from "../usage.js";
import { VERSION } from "../version.js";

/** The API token's minimum length, as the AWS stacks require of the API_TOKEN secret. */
const MIN_API_TOKEN_LENGTH = 16;

/** The names `fleetline dev`'s own simulated devices take: `demo-fs-0001`, … (`fleetline simulate` takes `sim-…`). */
export const BUILT_IN_FLEET_PREFIX = "demo";

interface DevOptions {
  host: string;
  mqttPort: number;
  mqttsPort: number;
  wsPort: number;
  httpPort: number;
  kinesisPort: number;
  dataDir: string;
  inMemory?: boolean;
  broker?: string;
  mqtt5?: boolean;
  apiToken?: string;
  viewerToken?: string;
  maxConnections?: number;
  maxBacklog?: number;
  /** False with --no-iot-limits. */
  iotLimits: boolean;
  devices: number;
  simulator: boolean;
  rate: number;
  faults: FaultProfile;
  watch?: boolean;
  watchPath?: string[];
  inspect?: string | true;
  invocations: number;
}

/** `--inspect` or `--inspect=[host:]port`, as node takes it. */
function inspectAt(value: string | true | undefined): { host: string; port: number } | undefined {
  if (value === undefined) return undefined;
  const text = value === true ? "9229" : value;
  const match = /^(?:([\w.-]+):)?(\d{1,5})$/.exec(text);
  if (!match || Number(match[2]) > 65535)
    throw new UsageError(`--inspect takes a port or host:port such as 9229, got "${text}"`);
  return { host: match[1] ?? "127.0.0.1", port: Number(match[2]) };
}

/** The runtime's config from the flags, every combination checked before anything starts. */
function configOf(options: DevOptions, given: (name: string) => boolean): RuntimeConfig {
  if (options.inMemory && given("dataDir"))
    throw new UsageError("--in-memory and --data-dir exclude each other");
  const { apiToken, viewerToken, host } = options;
  if (apiToken !== undefined && apiToken.length < MIN_API_TOKEN_LENGTH)
    throw new UsageError(
      `the API token must be at least ${MIN_API_TOKEN_LENGTH} characters, as on AWS: FLEETLINE_API_TOKEN=$(openssl rand -hex 32)`,
    );
  if (viewerToken !== undefined) {
    if (viewerToken.length < MIN_API_TOKEN_LENGTH)
      throw new UsageError(`the viewer token must be at least ${MIN_API_TOKEN_LENGTH} characters, as on AWS`);
    if (!apiToken)
      throw new UsageError("a viewer token needs an API token for the writes: set FLEETLINE_API_TOKEN too");
    if (viewerToken === apiToken) throw new UsageError("the viewer token must differ from the API token");
  }
  if (!isLoopback(host) && !apiToken)
    throw new UsageError(
      `listening on ${host} exposes the API beyond this machine; set FLEETLINE_API_TOKEN (or pass --api-token) too`,
    );
  if (!options.simulator && given("devices"))
    throw new UsageError("--devices and --no-simulator exclude each other");
  if (options.watchPath && !options.watch) throw new UsageError("--watch-path needs --watch");
  if (options.mqtt5 && options.broker !== undefined)
    throw new UsageError("--mqtt5 runs its own broker (mosquitto): leave out --broker");
  return {
    host,
    mqttPort: options.mqttPort,
    // Devices with certificates, as on AWS IoT Core (not with an external broker).
    mqttsPort: options.broker === undefined ? options.mqttsPort : undefined,
    mqtt5: options.mqtt5,
    wsPort: options.wsPort,
    httpPort: options.httpPort,
    kinesisPort: options.kinesisPort,
    dataDir: options.inMemory ? undefined : options.dataDir,
    brokerUrl: options.broker,
    apiToken,
    viewerToken,
    maxConnections: options.maxConnections,
    maxBacklog: options.maxBacklog,
    iotLimits: options.iotLimits,
    invocationsPerFunction: options.invocations,
    // Stopped at a breakpoint, a batch must not time out into the dead-letter queue.
    functionTimeoutMs: options.inspect === undefined ? undefined : 0,
    version: VERSION,
  };
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

/** `fleetline dev` (docs/guide/local-runtime.md): the whole pipeline locally, until SIGINT or SIGTERM. */
async function dev(options: DevOptions, given: (name: string) => boolean, io: Io): Promise<number> {
  const config = configOf(options, given);
  const inspect = inspectAt(options.inspect);
  const simulator = options.simulator
    ? { devices: options.devices, rateHz: options.rate, faults: options.faults }
    : undefined;
  // Before anything starts: a port the inspector cannot have is a usage error with nothing to stop.
  if (inspect) await openInspector(inspect, io);
  // From here on a Ctrl-C drains, even one that comes while the runtime starts; a second stops at once.
  const signals = stopSignals((signal) => {
    io.stderr(
      "fleetline dev: second signal: stopping now, without draining; the next start resumes from the last checkpoints\n",
    );
    process.exit(signalExitCode(signal));
  });
  // Loaded after the arguments are checked: a usage error answers at once.
  const { Runtime } = await import("@fleetline/local");
  let runtime: Runtime;
  try {
    runtime = await Runtime.start(config);
  } catch (error) {
    signals.dispose();
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
    try {
      fleet = await LiveFleet.start({
        ...simulator,
        type: "mixed",
        seed: "fleetline-dev",
        prefix: BUILT_IN_FLEET_PREFIX,
        target: { kind: "local", url, apiToken: config.apiToken },
      });
    } catch (error) {
      // The runtime drains as on Ctrl-C: nothing it acknowledged is left half done.
      await runtime.stop();
      signals.dispose();
      throw error;
    }
    io.stderr(
      `fleetline dev: simulating ${simulator.devices} devices (${simulator.rateHz} reports/s each, faults ${simulator.faults}); --no-simulator turns them off\n`,
    );
  }
  if (config.mqtt5)
    io.stderr(
      `fleetline dev: --mqtt5: devices connect to mosquitto on ${runtime.urls.mqtts} with their certificates; the token and WebSocket ports are not served\n`,
    );
  const watcher = options.watch ? await watchFunctions(runtime, options.watchPath ?? [], io) : undefined;
  const signal = await signals.first;
  io.stderr(`fleetline dev: ${signal}: draining in-flight batches…\n`);
  await watcher?.stop();
  await fleet?.stop(2_000);
  await runtime.stop();
  signals.dispose();
  io.stderr("fleetline dev: stopped\n");
  return EXIT.ok;
}

export function defineDev({ program, io, outcome }: Definer): void {
  const command = program
    .command("dev")
    .summary("run the whole pipeline on this machine, until Ctrl-C")
    .description(
      "Run the whole pipeline locally: the MQTT broker, the telemetry rule, the Kinesis streams, the validate, store and alerts functions, shadows, DuckDB, the HTTP API and the dashboard, with simulated devices. Port 0 picks a free port. Ctrl-C drains and stops; a second Ctrl-C stops at once.",
    )
    .option(
      "--host <host>",
      "listen address for devices and the API (beyond loopback needs an API token)",
      "127.0.0.1",
    )
    .addOption(
      new Option("--mqtt-port <port>", "MQTT over TCP (thing name + token)")
        .default(1883)
        .argParser(portNumber("--mqtt-port")),
    )
    .addOption(
      new Option(
        "--mqtts-port <port>",
        "MQTT over mutual TLS, the certificate as identity (as AWS IoT Core's 8883)",
      )
        .default(8883)
        .argParser(portNumber("--mqtts-port")),
    )
    .addOption(
      new Option("--ws-port <port>", "MQTT over WebSocket, path /mqtt")
        .default(8083)
        .argParser(portNumber("--ws-port")),
    )
    .addOption(
      new Option("--http-port <port>", "the API, the dashboard and /healthz")
        .default(8080)
        .argParser(portNumber("--http-port")),
    )
    .addOption(
      new Option("--kinesis-port <port>", "the Kinesis API on 127.0.0.1, for the AWS SDK and CLI")
        .default(4567)
        .argParser(portNumber("--kinesis-port")),
    )
    .option("--data-dir <dir>", "where state is kept across restarts", ".fleetline")
    .option("--in-memory", "keep nothing on disk")
    .addOption(
      new Option("--broker <url>", "an external MQTT broker instead of the embedded one").argParser(
        urlValue("--broker", ["mqtt:", "mqtts:"], "mqtt://127.0.0.1:1883"),
      ),
    )
    .option("--mqtt5", "devices on MQTT 5 through Debian's mosquitto on the mutual-TLS port")
    .addOption(
      new Option("--api-token <token>", "the operator's token for the API (16+ characters)").env(
        "FLEETLINE_API_TOKEN",
      ),
    )
    .addOption(
      new Option("--viewer-token <token>", "a read-only token for the API").env("FLEETLINE_VIEWER_TOKEN"),
    )
    .addOption(
      new Option("--max-connections <n>", "open MQTT connections at most (default 12,000)").argParser(
        wholeNumber("--max-connections", 12_000),
      ),
    )
    .addOption(
      new Option(
        "--max-backlog <records>",
        "records the functions may be behind the streams before devices' PUBACKs wait (default 10,000)",
      ).argParser(wholeNumber("--max-backlog", 10_000)),
    )
    .option(
      "--no-iot-limits",
      "lift IoT Core's per-connection limits (100 publishes and 512 KB a second, keep-alive 30–1,200 s, 8 filters a SUBSCRIBE): for load generators",
    )
    .addOption(
      new Option("--devices <n>", "simulated devices, half dispensers, half robots")
        .default(20)
        .argParser(wholeNumber("--devices", 20)),
    )
    .option("--no-simulator", "no simulated devices")
    .addOption(
      new Option("--rate <hz>", "reports per second of each simulated device")
        .default(0.2)
        .argParser(positiveNumber("--rate", "0.2", 100)),
    )
    .addOption(
      new Option("--faults <profile>", "the simulated devices' faults")
        .default("default")
        .argParser(oneOf("--faults", FAULT_PROFILES)),
    )
    .option("--watch", "rebuild the functions on save and swap them in between batches")
    .option("--watch-path <dir...>", "more folders to watch with --watch")
    .option(
      "--inspect [host:port]",
      "open the Node inspector (default 127.0.0.1:9229); functions have no timeout while it is open",
    )
    .addOption(
      new Option("--invocations <n>", "invocations the console keeps per function")
        .default(200)
        .argParser(wholeNumber("--invocations", 200)),
    );
  examples(command, [
    ["fleetline dev", "everything on the default ports, state in .fleetline/"],
    [
      "fleetline dev --in-memory --http-port 0 --mqtt-port 0",
      "nothing on disk, free ports (see the ready line)",
    ],
    ["fleetline dev --watch --inspect", "rebuild on save, a debugger on 127.0.0.1:9229"],
    [
      "FLEETLINE_API_TOKEN=$(openssl rand -hex 32) fleetline dev --host 0.0.0.0",
      "devices on the LAN, the API behind a token",
    ],
  ]);
  command.action(
    run(outcome, async (options: DevOptions) =>
      dev(options, (name) => command.getOptionValueSource(name) === "cli", io),
    ),
  );
}
