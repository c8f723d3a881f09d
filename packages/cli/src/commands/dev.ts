import { parseArgs } from "node:util";
import type { Runtime } from "@fleetline/local";
import { isLoopback, portFlag, urlFlag } from "../flags.js";
import type { Io } from "../io.js";
import { EXIT, UsageError } from "../usage.js";
import { VERSION } from "../version.js";

function parseDevArgs(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    options: {
      host: { type: "string" },
      "mqtt-port": { type: "string" },
      "ws-port": { type: "string" },
      "http-port": { type: "string" },
      "kinesis-port": { type: "string" },
      "data-dir": { type: "string" },
      "in-memory": { type: "boolean" },
      broker: { type: "string" },
      "api-token": { type: "string" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values["in-memory"] && values["data-dir"] !== undefined) {
    throw new UsageError("--in-memory and --data-dir exclude each other");
  }
  const host = values.host ?? "127.0.0.1";
  if (!isLoopback(host) && !values["api-token"]) {
    throw new UsageError(`listening on ${host} exposes the API beyond this machine; pass --api-token too`);
  }
  return {
    host,
    mqttPort: portFlag("mqtt-port", values["mqtt-port"], 1883),
    wsPort: portFlag("ws-port", values["ws-port"], 8083),
    httpPort: portFlag("http-port", values["http-port"], 8080),
    kinesisPort: portFlag("kinesis-port", values["kinesis-port"], 4567),
    ...(values["in-memory"] ? {} : { dataDir: values["data-dir"] ?? ".fleetline" }),
    ...(values.broker !== undefined
      ? { brokerUrl: urlFlag("broker", values.broker, ["mqtt:", "mqtts:"]) }
      : {}),
    ...(values["api-token"] !== undefined ? { apiToken: values["api-token"] } : {}),
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

/** `fleetline dev` (SPEC §3): the whole pipeline locally, until SIGINT or SIGTERM. */
export async function devCommand(args: string[], io: Io): Promise<number> {
  const config = parseDevArgs(args);
  // Loaded after the arguments are checked: a usage error answers at once.
  const { PortInUseError, RuleLoadError, Runtime, StartupError } = await import("@fleetline/local");
  let runtime: Runtime;
  try {
    runtime = await Runtime.start(config);
  } catch (error) {
    if (error instanceof PortInUseError || error instanceof StartupError || error instanceof RuleLoadError) {
      io.stderr(`fleetline dev: ${error.message}\n`);
      return EXIT.invalid;
    }
    throw error;
  }
  io.stdout(`${runtime.readyLine()}\n`);
  const signal = await untilSignal();
  io.stderr(`fleetline dev: ${signal}: draining in-flight batches…\n`);
  await runtime.stop();
  io.stderr("fleetline dev: stopped\n");
  return EXIT.ok;
}
