/** A mistake in how the command was called: one line on stderr, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

export const HELP = `fleetline — IoT telemetry pipeline: local stand-in of AWS IoT → Kinesis → Lambda

Usage: fleetline <command> [options]

Commands:
  dev [--mqtt-port N] [--mqtts-port N] [--ws-port N] [--http-port N] [--kinesis-port N] [--data-dir DIR | --in-memory]
      [--broker mqtt://host:port] [--host H --api-token T [--viewer-token V]] [--max-connections N]
      [--devices N | --no-simulator] [--faults P] [--mqtt5] [--watch [--watch-path DIR]…]
      [--inspect[=[host:]port]] [--invocations N]
      Run the whole pipeline locally: MQTT broker, telemetry rule, Kinesis streams, the validate,
      store and alerts functions, shadows, DuckDB and the HTTP API, with 20 simulated devices
      (10 dispensers, 10 robots). Port 0 picks a free port. Stop with Ctrl-C. The API tokens (16+
      characters) are best given as FLEETLINE_API_TOKEN and FLEETLINE_VIEWER_TOKEN (read-only)
      rather than on the command line. --watch swaps the functions' code between batches after an
      edit; --inspect opens the Node inspector (no function timeout while it is open).
  logs [--function F] [--follow] [--json] [--limit N] [--url URL]
      Every invocation of the running runtime's functions, with what each logged.
  replay <id> [--json] [--url URL]
      Run a recorded invocation's event again on the current code (exit 0 ok, 1 failed/unknown).
  redrive --dead-letter | --quarantine [--reason R] [--since T] [--thing X] | --rule-errors
          [--limit N] [--json] [--url URL] [--api-token T]
      Take what the pipeline set aside through it again: dead-lettered batches, quarantined messages
      the contract now accepts, the rule's failed messages. On \`fleetline dev\` or a stage (--url its
      ApiUrl, with the operator's API_TOKEN). Idempotent; exit 0 all through, 1 some kept.
  devices add <thing> --type freestyle|robot [--certs DIR] | list | remove <thing> [--url URL] [--json]
      Manage the registry of a running \`fleetline dev\` (default --url http://127.0.0.1:8080).
      --certs DIR issues an X.509 certificate for the mTLS port and writes it, its key and the CA.
  simulate [--devices N] [--type freestyle|robot|mixed] [--rate HZ] [--duration 30s] [--seed S]
           [--faults none|default|chaos] [--url URL [--mtls] | --target aws --endpoint E --certs DIR --stage S]
           [--dry-run [--out FILE]] [--json]
      Run a seeded fleet of simulated dispensers and robots against fleetline dev (default) or AWS
      IoT Core; prints progress and a summary (sent, acknowledged, failed). --dry-run writes the
      messages it would send, byte-identical for the same seed. --mtls gives each simulated device a
      certificate and connects it to fleetline dev's mutual-TLS port, as firmware connects to AWS.
  provision --things N --out DIR [--stage prod] [--type freestyle|robot|mixed] [--prefix sim]
            [--policy NAME] [--region R]
      AWS: create the simulator's things in the deployed stage's fleet, with certificates and the
      stage's device policy, and write the files that fleetline simulate --target aws --certs DIR
      reads. Uses your AWS credentials.
  bench [--only pipeline|latency|validate|bundles|query|scale] [--max-devices N] [--hold 5m] [--json]
      Benchmarks, each figure beside a baseline measured in the same run: the pipeline against a
      bare broker; publish → queryable latency at 1,000 msg/s; validate against JSON.parse; each
      function's bundle size and init; the 24-hour query over 1,000,000 readings; how many
      simulated devices stay connected and reporting through the pipeline (the largest step for
      --hold).
  cost --devices N [--interval 60s] [--payload-bytes 300] [--region R]
       [--telemetry lake|timestream] [--json]
      What a fleet would cost a month on AWS, per service, from list prices (with their date and
      source) and the assumptions it prints.
  validate --topic T [--client-id C] [--received-at MS] [FILE|-]
      Validate one payload exactly as the pipeline does. Prints {"ok":…,"reason":…,"detail":…};
      exit 0 valid, 1 invalid, 2 usage error.

Options:
  -h, --help       show this help (also: fleetline <command> --help)
  -v, --version    print the version
`;
