import type { InvocationRecord, InvocationSummary } from "@fleetline/core/console";
import { Option } from "commander";
import type { Io } from "../io.js";
import { apiTokenOption, jsonOption, urlOption, wholeNumber } from "../options.js";
import { ApiError, callApi } from "../runtime-api.js";
import { type Definer, examples, run } from "../subcommand-kit.js";
import { EXIT } from "../usage.js";

type Invocation = InvocationSummary & Pick<InvocationRecord, "logs">;

/** One line for an invocation: when, which function, on what, how it ended, how long it took. */
export function describeInvocation(i: InvocationSummary): string {
  const batch = i.shardId ? ` ${i.shardId} ×${i.batchSize}` : "";
  const on = i.replayOf ? ` replay of ${i.replayOf}${batch}` : batch || ` ${i.trigger}`;
  const how =
    i.status === "partial"
      ? `partial (failed: ${(i.failedItems ?? []).join(", ")})`
      : i.status === "error"
        ? `error ${i.error?.type}: ${i.error?.message}`
        : i.status;
  const took = i.durationMs === undefined ? "" : ` ${i.durationMs} ms`;
  return `${new Date(i.startedAt).toISOString()} ${i.functionName}${on} ${how}${took} [${i.id}]`;
}

interface LogsOptions {
  function?: string;
  follow?: boolean;
  json?: boolean;
  limit: number;
  url: string;
  apiToken?: string;
}

/** `fleetline logs` (docs/guide/debugging.md): the invocation console of a running `fleetline dev`, in the terminal. */
async function logs(values: LogsOptions, io: Io): Promise<number> {
  const { url, apiToken: token, limit } = values;
  const query = (n: number) =>
    `/api/invocations?limit=${n}${values.function ? `&function=${encodeURIComponent(values.function)}` : ""}`;
  const seen = new Set<string>();
  const show = async (n: number) => {
    const listed = (await (
      await callApi(url, query(n), { method: "GET" }, token)
    ).json()) as InvocationSummary[];
    // Oldest first, as a log reads; an invocation still running is shown once it has finished.
    for (const summary of listed.reverse()) {
      if (seen.has(summary.id) || summary.status === "running") continue;
      seen.add(summary.id);
      const detail = summary.logLines > 0 || summary.error ? await fetchInvocation(summary.id) : undefined;
      if (values.json) {
        const { event: _event, ...rest } = (detail ?? summary) as Invocation & { event?: unknown };
        io.stdout(`${JSON.stringify(rest)}\n`);
        continue;
      }
      io.stdout(`${describeInvocation(summary)}\n`);
      for (const log of detail?.logs ?? []) io.stdout(`  ${log.line}\n`);
      if (detail?.error?.stack) io.stdout(`${detail.error.stack.replace(/^/gm, "  ")}\n`);
    }
  };
  const fetchInvocation = async (id: string) =>
    (await (
      await callApi(url, `/api/invocations/${encodeURIComponent(id)}`, { method: "GET" }, token)
    ).json()) as Invocation;
  try {
    await show(limit);
    while (values.follow) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await show(200);
    }
    return EXIT.ok;
  } catch (error) {
    if (error instanceof ApiError) {
      io.stderr(`fleetline logs: ${error.message}\n`);
      return EXIT.invalid;
    }
    throw error;
  }
}

export function defineLogs({ program, io, outcome }: Definer): void {
  const command = program
    .command("logs")
    .summary("every invocation of the running runtime's functions, with what each logged")
    .description(
      "Print the invocation console of a running fleetline dev, oldest first: each invocation (function, shard, batch, result, duration) with the lines it logged.",
    )
    .option("--function <name>", "only this function's (validate, store, alerts, confirm, sweep)")
    .option("--follow", "keep printing invocations as they finish")
    .addOption(
      new Option("--limit <n>", "how many to print first").default(20).argParser(wholeNumber("--limit", 20)),
    )
    .addOption(urlOption())
    .addOption(apiTokenOption())
    .addOption(jsonOption());
  examples(command, [
    ["fleetline logs --follow", "every invocation as it finishes"],
    ["fleetline logs --function store --limit 5", "the store function's last five"],
  ]);
  command.action(run(outcome, (options: LogsOptions) => logs(options, io)));
}
