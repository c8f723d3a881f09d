import { randomUUID } from "node:crypto";
import { encodeBase64 } from "@fleetline/core/common";
import { validate } from "@fleetline/core/telemetry";
import { Option } from "commander";
import type { Io } from "../io.js";
import { instant } from "../options.js";
import { type Definer, examples, run } from "../subcommand-kit.js";
import { EXIT, UsageError } from "../usage.js";

interface ValidateOptions {
  topic: string;
  clientId?: string;
  receivedAt?: number;
}

async function readPayload(file: string | undefined, io: Io): Promise<Uint8Array> {
  if (file === undefined || file === "-") {
    if (file === undefined && io.stdinIsTTY)
      throw new UsageError("no payload: give a FILE or pipe it on stdin");
    return io.readStdin();
  }
  try {
    return await io.readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new UsageError(`cannot read ${file}: ${code}`);
  }
}

/** `fleetline validate` (docs/reference/cli.md): the pipeline's own verdict on one payload. */
async function validateOne(file: string | undefined, options: ValidateOptions, io: Io): Promise<number> {
  const payload = await readPayload(file, io);
  const verdict = validate({
    payload: encodeBase64(payload),
    topic: options.topic,
    // As the pipeline sees a well-behaved device: its client id is its thing name.
    clientId: options.clientId ?? options.topic.split("/")[3] ?? "",
    receivedAt: options.receivedAt ?? io.now(),
    messageId: randomUUID(),
  });
  io.stdout(`${JSON.stringify(verdict)}\n`);
  return verdict.ok ? EXIT.ok : EXIT.invalid;
}

export function defineValidate({ program, io, outcome }: Definer): void {
  const command = program
    .command("validate")
    .summary("judge one payload exactly as the pipeline does")
    .description(
      'Judge one payload exactly as the validate function does and print the verdict as one line of JSON: {"ok":true,"record":…} (exit 0) or {"ok":false,"reason":…,"detail":…} (exit 1). The payload comes from FILE, or stdin when FILE is - or left out.',
    )
    .argument("[file]", "the payload; - or none for stdin")
    .requiredOption("--topic <topic>", "the topic it is published on: dt/fleetline/{type}/{thing}/telemetry")
    .option("--client-id <id>", "the MQTT client id (default: the thing name in the topic)")
    .addOption(
      new Option(
        "--received-at <instant>",
        "when the broker received it (default: now), to check a recorded message",
      ).argParser(instant("--received-at")),
    );
  examples(command, [
    [
      "fleetline validate --topic dt/fleetline/freestyle/fs-1/telemetry payload.json",
      "a payload from a file",
    ],
    ["echo '{…}' | fleetline validate --topic dt/fleetline/robot/rb-1/telemetry", "from stdin"],
  ]);
  command.action(
    run(outcome, (file: string | undefined, options: ValidateOptions) => validateOne(file, options, io)),
  );
}
