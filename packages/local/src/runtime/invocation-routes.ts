import { type ApiApp, badParameter, HttpError, intParameter, pageResponse } from "@fleetline/api";
import type {
  FunctionFigures,
  InvocationRecord,
  InvocationStatus,
  InvocationSummary,
} from "@fleetline/core/console";
import type { LocalFunctions } from "../streams/lambda/local-functions.js";

const STATUSES: readonly InvocationStatus[] = ["running", "ok", "partial", "error"];

/** An invocation in a list: everything but its event (which can be a whole batch). */
function summary({ event: _event, logs, ...rest }: InvocationRecord): InvocationSummary {
  return { ...rest, logLines: logs.length };
}

/** One function's figures over the invocations kept: rate, errors, p50/p99 duration. */
function figures(
  records: readonly InvocationRecord[],
  now: number,
): Omit<FunctionFigures, "name" | "iteratorAgeMs"> {
  const done = records.filter((r) => r.durationMs !== undefined);
  const durations = done.map((r) => r.durationMs as number).sort((a, b) => a - b);
  const at = (q: number) =>
    durations[Math.min(durations.length - 1, Math.floor(q * durations.length))] ?? null;
  const lastMinute = records.filter((r) => r.startedAt > now - 60_000).length;
  return {
    invocations: records.length,
    perMinute: lastMinute,
    errors: records.filter((r) => r.status === "error").length,
    partial: records.filter((r) => r.status === "partial").length,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    lastInvokedAt: records.at(-1)?.startedAt ?? null,
  };
}

/**
 * The invocation console's API (docs/reference/api.md), local only: on AWS the same facts are in
 * CloudWatch Logs and Lambda's metrics.
 */
export function invocationRoutes(
  app: ApiApp,
  functions: LocalFunctions,
  /** How far behind its stream each function's event source is, in ms, by function. */
  iteratorAges: () => ReadonlyMap<string, number>,
): void {
  app.add("GET", "/api/functions", () => {
    const now = Date.now();
    const ages = iteratorAges();
    return {
      status: 200,
      body: functions.names().map(
        (name): FunctionFigures => ({
          name,
          ...figures(functions.log.of(name), now),
          iteratorAgeMs: ages.get(name) ?? null,
        }),
      ),
    };
  });

  app.add("GET", "/api/invocations", (request) => {
    const functionName = request.query.get("function") ?? undefined;
    if (functionName !== undefined && !functions.names().includes(functionName))
      throw badParameter(
        "function",
        `no function named "${functionName}"; there are ${functions.names().join(", ")}`,
      );
    const status = request.query.get("status") ?? undefined;
    if (status !== undefined && !(STATUSES as readonly string[]).includes(status))
      throw badParameter("status", `must be one of ${STATUSES.join(", ")}, got "${status}"`);
    const limit = intParameter(request.query, "limit", { min: 1, max: 1000, fallback: 50 });
    const cursor = request.query.get("cursor") || undefined;
    const page = functions.log.list({
      limit,
      functionName,
      status: status as InvocationStatus | undefined,
      cursor,
    });
    // As every list of the API: the items as the body, the next page's cursor in x-next-cursor.
    return pageResponse(page, page.items.map(summary));
  });

  app.add("GET", "/api/invocations/:id", (request) => {
    const record = functions.log.get(request.params.id as string);
    if (!record)
      throw new HttpError(
        404,
        "NOT_FOUND",
        `no invocation ${request.params.id} (the console keeps the last ${functions.log.perFunction} of each function)`,
      );
    return { status: 200, body: record };
  });

  app.add("POST", "/api/invocations/:id/replay", async (request) => {
    const replayed = await functions.replay(request.params.id as string);
    return { status: 200, body: summary(replayed) };
  });
}
