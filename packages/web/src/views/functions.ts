import type { FunctionFigures, InvocationRecord, InvocationSummary } from "@fleetline/core/console";
import { ApiError, api } from "../api.js";
import { h, plural, time } from "../dom.js";
import type { View } from "./view.js";

const ms = (value: number | null | undefined) =>
  value === null || value === undefined ? "–" : `${value} ms`;
const link = (id: string) => h("a", { href: `#/invocations/${encodeURIComponent(id)}` }, id);

function result(invocation: Pick<InvocationSummary, "status" | "failedItems" | "error">): string {
  if (invocation.status === "partial") return `partial: ${(invocation.failedItems ?? []).length} failed`;
  if (invocation.status === "error") return `error: ${invocation.error?.type}: ${invocation.error?.message}`;
  return invocation.status;
}

/**
 * The invocation console (docs/guide/debugging.md): each function's figures and its latest
 * invocations. `fleetline dev` only: on AWS the same facts are in CloudWatch.
 */
export function functionsView(): View {
  const figures = h("tbody", {});
  const list = h("tbody", {});
  const filter = h("select", { name: "function" }, h("option", { value: "" }, "every function"));
  const table = (headings: string[], body: HTMLElement) =>
    h("table", { class: "list" }, h("thead", {}, h("tr", {}, ...headings.map((c) => h("th", {}, c)))), body);
  const element = h(
    "section",
    { "data-view": "functions" },
    table(["function", "invocations/min", "errors", "partial", "p50", "p99", "iterator age"], figures),
    h("h2", {}, "Invocations ", filter),
    table(["started", "function", "batch", "duration", "result", "logs", "id"], list),
  );
  filter.addEventListener("change", () => void view.refresh());
  const view: View = {
    element,
    title: "Functions",
    async refresh() {
      let functions: FunctionFigures[];
      try {
        functions = await api.get<FunctionFigures[]>("/api/functions");
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 404)) throw error;
        // A stage's API: its functions' invocations are in CloudWatch, not here.
        element.replaceChildren(
          h(
            "p",
            {},
            "The invocation console is part of fleetline dev; on AWS, each function's invocations and logs are in CloudWatch Logs.",
          ),
        );
        return;
      }
      figures.replaceChildren(
        ...functions.map((f) =>
          h(
            "tr",
            { "data-function": f.name },
            h("td", {}, h("b", {}, f.name)),
            h("td", {}, String(f.perMinute)),
            h("td", {}, String(f.errors)),
            h("td", {}, String(f.partial)),
            h("td", {}, ms(f.p50Ms)),
            h("td", {}, ms(f.p99Ms)),
            h("td", {}, ms(f.iteratorAgeMs)),
          ),
        ),
      );
      if (filter.options.length === 1)
        filter.append(...functions.map((f) => h("option", { value: f.name }, f.name)));
      const only = filter.value ? `&function=${encodeURIComponent(filter.value)}` : "";
      const invocations = await api.get<InvocationSummary[]>(`/api/invocations?limit=100${only}`);
      list.replaceChildren(
        ...invocations.map((i) =>
          h(
            "tr",
            { "data-status": i.status },
            h("td", {}, time(i.startedAt)),
            h("td", {}, i.functionName),
            h("td", {}, i.shardId ? `${i.shardId} ×${i.batchSize}` : i.trigger),
            h("td", {}, ms(i.durationMs)),
            h("td", {}, result(i)),
            h("td", {}, String(i.logLines)),
            h("td", {}, link(i.id)),
          ),
        ),
      );
      if (invocations.length === 0)
        list.replaceChildren(h("tr", {}, h("td", { colspan: "7" }, "No invocations yet.")));
    },
  };
  return view;
}

/** A Kinesis record's data as what it carries: JSON, laid out; text as it is; bytes as base64. */
function decoded(base64: string): string {
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)),
    );
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      return text;
    }
  } catch {
    return `(not text) ${base64}`;
  }
}

/**
 * What an invocation received: a Kinesis batch as its records, each with its data decoded; any
 * other event as JSON; none (the schedule's sweep) said so.
 */
function eventParts(event: unknown): Node[] {
  if (event === undefined || event === null)
    return [
      h(
        "p",
        { "data-part": "no-event" },
        "No event: the schedule invokes the sweep without one, as EventBridge does.",
      ),
    ];
  const records = (
    event as {
      Records?: Array<{ kinesis?: { sequenceNumber?: string; partitionKey?: string; data?: string } }>;
    }
  ).Records;
  if (!Array.isArray(records) || !records.every((r) => typeof r.kinesis?.data === "string"))
    return [h("pre", { "data-part": "event" }, JSON.stringify(event, null, 2))];
  return [
    h(
      "p",
      {},
      records.length === 1
        ? "1 Kinesis record, its data decoded (the raw event below)."
        : `${records.length} Kinesis records, their data decoded (the raw event below).`,
    ),
    ...records.map((r) =>
      h(
        "div",
        { class: "record", "data-part": "record" },
        h(
          "div",
          { class: "meta" },
          `${r.kinesis?.sequenceNumber ?? ""} · key ${r.kinesis?.partitionKey ?? ""}`,
        ),
        h("pre", {}, decoded(r.kinesis?.data as string)),
      ),
    ),
    h(
      "details",
      {},
      h("summary", {}, "the raw event"),
      h("pre", { "data-part": "event" }, JSON.stringify(event, null, 2)),
    ),
  ];
}

/** One invocation: what it received, how it ended, what it logged; and a button to replay it. */
export function invocationView(id: string): View {
  const summary = h("dl", { class: "invocation" });
  const event = h("div", { class: "event" });
  const logs = h("pre", { "data-part": "logs" });
  const replayed = h("p", { "data-part": "replayed" });
  const replay = h("button", { "data-replay": id }, "Replay on the current code");
  replay.addEventListener("click", async () => {
    replay.disabled = true;
    try {
      const again = await api.post<InvocationSummary>(`/api/invocations/${encodeURIComponent(id)}/replay`);
      replayed.replaceChildren("Replayed as ", link(again.id), `: ${result(again)}`);
    } catch (error) {
      replayed.textContent = (error as Error).message;
    } finally {
      replay.disabled = false;
    }
  });
  const element = h(
    "section",
    { "data-view": "invocation" },
    h("h2", {}, `Invocation ${id}`),
    summary,
    replay,
    replayed,
    h("h3", {}, "Logs"),
    logs,
    h("h3", {}, "Event"),
    event,
  );
  let loaded = false;
  return {
    element,
    title: `Invocation ${id}`,
    async refresh() {
      // A finished invocation does not change: fetched until it has finished.
      if (loaded) return;
      let detail: InvocationRecord;
      try {
        detail = await api.get<InvocationRecord>(`/api/invocations/${encodeURIComponent(id)}`);
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 404)) throw error;
        // Nothing to replay: say why instead of offering it.
        element.replaceChildren(
          h("h2", {}, `Invocation ${id}`),
          h("p", { class: "error", "data-part": "unknown" }, error.message),
        );
        loaded = true;
        return;
      }
      const rows: Array<[string, string | Node]> = [
        ["function", detail.functionName],
        ["trigger", detail.replayOf ? "replay of " : detail.trigger],
        [
          "batch",
          detail.shardId
            ? `${detail.shardId}, ${plural(detail.batchSize ?? 0, "record")}, ${detail.firstSequenceNumber} … ${detail.lastSequenceNumber}`
            : "–",
        ],
        ["started", time(detail.startedAt)],
        ["duration", ms(detail.durationMs)],
        ["result", result(detail)],
      ];
      if (detail.replayOf) rows[1] = ["trigger", h("span", {}, "replay of ", link(detail.replayOf))];
      summary.replaceChildren(...rows.flatMap(([name, value]) => [h("dt", {}, name), h("dd", {}, value)]));
      const lines = detail.logs.map((log) => `${new Date(log.at).toISOString()} ${log.stream} ${log.line}`);
      if (detail.error?.stack) lines.push(detail.error.stack);
      logs.textContent = lines.join("\n") || "(nothing logged)";
      event.replaceChildren(...eventParts(detail.event));
      loaded = detail.status !== "running";
    },
  };
}
