import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { encodeBase64 } from "@fleetline/core/common";
import { validate } from "@fleetline/core/telemetry";
import type { Io } from "../io.js";
import { EXIT, UsageError } from "../usage.js";

export const VALIDATE_USAGE =
  "usage: fleetline validate --topic T [--client-id C] [--received-at MS] [FILE|-]";

function parseReceivedAt(text: string | undefined, io: Io): number {
  if (text === undefined) return io.now();
  if (!/^\d{1,16}$/.test(text))
    throw new UsageError(`--received-at must be epoch milliseconds, got "${text}"`);
  return Number(text);
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
export async function validateCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      topic: { type: "string" },
      "client-id": { type: "string" },
      "received-at": { type: "string" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.topic === undefined) throw new UsageError("--topic is required");
  if (positionals.length > 1) throw new UsageError(`one payload at a time, got ${positionals.length} files`);

  const receivedAt = parseReceivedAt(values["received-at"], io);
  const payload = await readPayload(positionals[0], io);
  const verdict = validate({
    payload: encodeBase64(payload),
    topic: values.topic,
    // As the pipeline sees a well-behaved device: its client id is its thing name.
    clientId: values["client-id"] ?? values.topic.split("/")[3] ?? "",
    receivedAt,
    messageId: randomUUID(),
  });
  io.stdout(`${JSON.stringify(verdict)}\n`);
  return verdict.ok ? EXIT.ok : EXIT.invalid;
}
