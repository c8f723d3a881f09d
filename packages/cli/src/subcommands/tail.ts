import type { Io } from "../io.js";
import { apiTokenOption, jsonOption, urlOption } from "../options.js";
import { ApiError, callApi, serverSentEvents as events } from "../runtime-api.js";
import { type Definer, examples, run } from "../subcommand-kit.js";
import { EXIT } from "../usage.js";

interface TailOptions {
  url: string;
  apiToken?: string;
  json?: boolean;
}

interface Tapped {
  topic: string;
  payloadBase64: string;
  clientId: string;
  at: number;
}

/** The payload as text when it is printable UTF-8, else as base64 (marked so). */
function printable(payloadBase64: string): string {
  const bytes = Buffer.from(payloadBase64, "base64");
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a control character means "not text".
  return text.includes("\uFFFD") || /[\u0000-\u0008\u000E-\u001F]/.test(text)
    ? `base64:${payloadBase64}`
    : text;
}

/** One line a message: when, the topic, who published it, the payload. */
function line(message: Tapped): string {
  const from = message.clientId === "n/a" ? "" : ` (${message.clientId})`;
  return `${new Date(message.at).toISOString()} ${message.topic}${from} ${printable(message.payloadBase64)}`;
}

/** `fleetline tail` (docs/guide/operate.md, "Watch the broker"): every message on the broker matching the filters. */
async function tail(filters: string[], options: TailOptions, io: Io): Promise<number> {
  const query = (filters.length > 0 ? filters : ["#"])
    .map((f) => `filter=${encodeURIComponent(f)}`)
    .join("&");
  const stopped = new AbortController();
  const stop = () => stopped.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    const response = await callApi(
      options.url,
      `/api/mqtt/subscribe?${query}`,
      { method: "GET", signal: stopped.signal },
      options.apiToken,
    );
    if (!response.body) throw new ApiError("the runtime answered with no stream");
    for await (const [event, data] of events(response.body)) {
      if (event === "subscribed")
        io.stderr(`fleetline tail: following ${JSON.parse(data).filters.join(", ")}; Ctrl-C stops\n`);
      else if (event === "dropped")
        io.stderr(
          `fleetline tail: ${JSON.parse(data).count} message(s) dropped: this terminal fell behind\n`,
        );
      else if (event === "message")
        io.stdout(options.json ? `${data}\n` : `${line(JSON.parse(data) as Tapped)}\n`);
    }
    io.stderr("fleetline tail: the runtime ended the stream (it stopped)\n");
    return EXIT.invalid;
  } catch (error) {
    if (stopped.signal.aborted) return EXIT.ok;
    if (error instanceof ApiError) {
      io.stderr(`fleetline tail: ${error.message}\n`);
      return EXIT.invalid;
    }
    throw error;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}

export function defineTail({ program, io, outcome }: Definer): void {
  const command = program
    .command("tail")
    .summary("every message on the broker matching topic filters, live")
    .description(
      "Print every message on a running fleetline dev's broker that matches the topic filters (default #: everything a device or the runtime publishes, $aws topics need their own filter), as the runtime sees them — with its rights, not a device's — until Ctrl-C. The AWS IoT console's MQTT test client, in the terminal.",
    )
    .argument("[filter...]", "MQTT topic filters, + for one level, # for the rest")
    .addOption(urlOption())
    .addOption(apiTokenOption())
    .addOption(jsonOption());
  examples(command, [
    ["fleetline tail", "everything but $aws topics"],
    ["fleetline tail 'dt/fleetline/robot/#' 'alerts/#'", "robots' telemetry and every alert record"],
    ["fleetline tail '$aws/things/+/shadow/update/delta' --json", "shadow deltas, one JSON line each"],
  ]);
  command.action(run(outcome, (filters: string[], options: TailOptions) => tail(filters, options, io)));
}
