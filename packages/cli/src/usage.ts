/** A mistake in how the command was called: one line on stderr, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

export const HELP = `fleetline — IoT telemetry pipeline: local twin of AWS IoT → Kinesis → Lambda

Usage: fleetline <command> [options]

Commands:
  dev [--mqtt-port N] [--ws-port N] [--http-port N] [--kinesis-port N] [--data-dir DIR | --in-memory]
      [--broker mqtt://host:port] [--host H --api-token T]
      Run the whole pipeline locally: MQTT broker, telemetry rule, Kinesis streams, the validate and
      store functions, DuckDB and the HTTP API. Port 0 picks a free port. Stop with Ctrl-C.
  devices add <thing> --type freestyle|robot | list | remove <thing> [--url URL] [--json]
      Manage the registry of a running \`fleetline dev\` (default --url http://127.0.0.1:8080).
  validate --topic T [--client-id C] [--received-at MS] [FILE|-]
      Validate one payload exactly as the pipeline does. Prints {"ok":…,"reason":…,"detail":…};
      exit 0 valid, 1 invalid, 2 usage error.

Options:
  -h, --help       show this help (also: fleetline <command> --help)
  -v, --version    print the version
`;
