import { parseArgs } from "node:util";
import type { InvocationRecord, InvocationSummary } from "@fleetline/core/console";
import { urlFlag } from "../flags.js";
import type { Io } from "../io.js";
import { ApiError, callApi } from "../runtime-api.js";
import { EXIT, UsageError } from "../usage.js";
import { positiveInt } from "./simulate.js";

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

/** `fleetline logs` (docs/reference/cli.md): the invocation console of a running `fleetline dev`, in the terminal. */
export async function logsCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      function: { type: "string" },
      follow: { type: "boolean" },
      json: { type: "boolean" },
      limit: { type: "string" },
      url: { type: "string" },
      "api-token": { type: "string" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const url = urlFlag("url", values.url ?? "http://127.0.0.1:8080", ["http:", "https:"]);
  const token = values["api-token"] ?? process.env.FLEETLINE_API_TOKEN;
  const limit = positiveInt("limit", values.limit, 20);
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
