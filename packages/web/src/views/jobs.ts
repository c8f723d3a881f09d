import type { JobDetailView, JobExecutionView, JobSummaryView } from "@fleetline/core/commands";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { ApiError, api } from "../api.js";
import { h, plural, time } from "../dom.js";
import { timeTicks } from "./time-ticks.js";
import type { View } from "./view.js";

/** The rollout chart's series: where each thing's execution stands, over time. */
const SERIES = [
  { key: "QUEUED", label: "queued", stroke: "#6b7280" },
  { key: "IN_PROGRESS", label: "in progress", stroke: "#1a56db" },
  { key: "SUCCEEDED", label: "succeeded", stroke: "#1f7a3d" },
  { key: "FAILED", label: "failed", stroke: "#b42318" },
  { key: "TIMED_OUT", label: "timed out", stroke: "#b45309" },
  { key: "REJECTED", label: "rejected", stroke: "#7c3aed" },
  { key: "CANCELED", label: "canceled", stroke: "#9ca3af" },
] as const;

const TERMINAL = new Set(["SUCCEEDED", "FAILED", "TIMED_OUT", "REJECTED", "REMOVED", "CANCELED"]);

/**
 * A job's rollout over time, from each execution's times alone (AWS IoT keeps no history of the
 * counts): queued from `queuedAt`, in progress from `startedAt`, and its final status from
 * `lastUpdatedAt` once it ended. Returns uPlot's columns: the times, then a count per series.
 */
export function rolloutTimeline(executions: readonly JobExecutionView[], now: number): number[][] {
  const times = new Set<number>([now]);
  for (const e of executions) {
    times.add(e.queuedAt);
    if (e.startedAt !== undefined) times.add(e.startedAt);
    if (TERMINAL.has(e.status)) times.add(e.lastUpdatedAt);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const columns = SERIES.map(() => new Array<number>(sorted.length).fill(0));
  const at = new Map(sorted.map((t, i) => [t, i]));
  const add = (series: string, from: number, to: number | undefined) => {
    const column = columns[SERIES.findIndex((s) => s.key === series)];
    if (!column) return;
    const end = to === undefined ? sorted.length : (at.get(to) ?? sorted.length);
    for (let i = at.get(from) ?? 0; i < end; i++) column[i] = (column[i] ?? 0) + 1;
  };
  for (const e of executions) {
    const ended = TERMINAL.has(e.status) ? e.lastUpdatedAt : undefined;
    add("QUEUED", e.queuedAt, e.startedAt ?? ended);
    if (e.startedAt !== undefined) add("IN_PROGRESS", e.startedAt, ended);
    if (ended !== undefined) add(e.status, ended, undefined);
  }
  return [sorted.map((t) => t / 1000), ...columns];
}

/** A job's status as a pill. */
function pill(status: string): HTMLElement {
  return h(
    "span",
    { class: `pill job-${status.toLowerCase()}`, "data-job-status": status },
    status.replace("_", " ").toLowerCase(),
  );
}

/** Jobs are the local runtime's IoT Jobs, or a stage's AWS IoT Jobs; an API without them says so. */
function unavailable(error: unknown): string | undefined {
  return error instanceof ApiError && error.status === 404 ? error.message : undefined;
}

/** Every job, newest first (AWS IoT Jobs: `fleetline jobs create`, or any backend with the AWS SDK). */
export function jobsView(): View {
  const body = h("tbody", {});
  const note = h("p", { class: "empty", "data-jobs-empty": "" });
  const element = h(
    "section",
    { "data-view": "jobs" },
    h(
      "table",
      { class: "list jobs" },
      h(
        "thead",
        {},
        h("tr", {}, ...["job", "status", "created", "updated", "finished"].map((c) => h("th", {}, c))),
      ),
      body,
    ),
    note,
  );
  return {
    element,
    title: "Jobs",
    async refresh() {
      let jobs: JobSummaryView[];
      try {
        jobs = await api.get<JobSummaryView[]>("/api/jobs");
      } catch (error) {
        const why = unavailable(error);
        if (!why) throw error;
        note.textContent = why;
        return;
      }
      body.replaceChildren(
        ...jobs.map((job) =>
          h(
            "tr",
            { "data-job": job.jobId },
            h("td", {}, h("a", { href: `#/jobs/${encodeURIComponent(job.jobId)}` }, job.jobId)),
            h("td", {}, pill(job.status)),
            h("td", {}, time(job.createdAt)),
            h("td", {}, time(job.lastUpdatedAt)),
            h("td", {}, time(job.completedAt)),
          ),
        ),
      );
      note.textContent =
        jobs.length === 0
          ? "No jobs yet. Create one with fleetline jobs create (docs/guide/jobs.md) or any AWS SDK's CreateJob."
          : "";
    },
  };
}

/** One job: its rollout over time, the counts, why it was canceled, each thing's execution, its document. */
export function jobView(jobId: string): View {
  const holder = h("div", { class: "rollout" });
  const heading = h("h2", {}, jobId, " ");
  const reason = h("p", { class: "abort", "data-job-reason": "" });
  const description = h("p", { "data-job-description": "" });
  const counts = h("p", { "data-job-counts": "" });
  const body = h("tbody", {});
  const documentText = h("pre", { class: "payload", "data-job-document": "" });
  const element = h(
    "section",
    { "data-view": "job" },
    heading,
    description,
    reason,
    h("div", { class: "card" }, h("h3", {}, "Rollout"), holder, counts),
    h(
      "table",
      { class: "list executions" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ...["thing", "status", "execution", "queued", "started", "updated"].map((c) => h("th", {}, c)),
        ),
      ),
      body,
    ),
    h("div", { class: "card" }, h("h3", {}, "Job document"), documentText),
  );
  const plot = new uPlot(
    {
      width: Math.min(720, window.innerWidth - 56),
      height: 220,
      scales: { x: { time: true } },
      padding: [8, 24, 0, 8],
      axes: [
        {
          space: 70,
          values: (u, splits) => timeTicks(splits, (u.scales.x?.max ?? 0) - (u.scales.x?.min ?? 0)),
        },
        { size: 56 },
      ],
      series: [
        {},
        ...SERIES.map((s) => ({
          label: s.label,
          stroke: s.stroke,
          width: 2,
          paths: uPlot.paths.stepped?.({ align: 1 }),
        })),
      ],
    },
    [[], ...SERIES.map(() => [])],
    holder,
  );
  return {
    element,
    title: `Job ${jobId}`,
    async refresh() {
      let job: JobDetailView;
      try {
        job = await api.get<JobDetailView>(`/api/jobs/${encodeURIComponent(jobId)}`);
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 404)) throw error;
        heading.replaceChildren(jobId);
        reason.textContent = error.message;
        return;
      }
      heading.replaceChildren(jobId, " ", pill(job.status));
      description.textContent = job.description ?? "";
      reason.textContent =
        job.status === "CANCELED"
          ? `Canceled${job.reasonCode ? ` (${job.reasonCode})` : ""}${job.comment ? `: ${job.comment}` : ""}`
          : "";
      plot.setData(rolloutTimeline(job.executions, Date.now()) as uPlot.AlignedData);
      const shown = SERIES.filter((s) => (job.counts[s.key] ?? 0) > 0).map(
        (s) => `${job.counts[s.key]} ${s.label}`,
      );
      counts.textContent = `${plural(job.targets, "target")}${shown.length ? `: ${shown.join(", ")}` : ""}`;
      body.replaceChildren(
        ...job.executions.map((e) =>
          h(
            "tr",
            { "data-execution": e.thing, "data-status": e.status },
            h("td", {}, h("a", { href: `#/devices/${encodeURIComponent(e.thing)}` }, e.thing)),
            h("td", {}, pill(e.status)),
            h("td", {}, `#${e.executionNumber}${e.retryAttempt > 0 ? ` (retry ${e.retryAttempt})` : ""}`),
            h("td", {}, time(e.queuedAt)),
            h("td", {}, time(e.startedAt)),
            h("td", {}, time(e.lastUpdatedAt)),
          ),
        ),
      );
      try {
        documentText.textContent = JSON.stringify(JSON.parse(job.document), null, 2);
      } catch {
        documentText.textContent = job.document;
      }
    },
    dispose() {
      plot.destroy();
    },
  };
}

/** A device's job history, for its page: each execution, newest first. */
export function deviceJobsCard(thing: string): { element: HTMLElement; refresh(): Promise<void> } {
  const body = h("tbody", {});
  const note = h("p", { class: "empty" });
  const element = h(
    "div",
    { class: "card", "data-device-jobs": "" },
    h("h3", {}, "Jobs"),
    h(
      "table",
      { class: "list" },
      h("thead", {}, h("tr", {}, ...["job", "status", "execution", "updated"].map((c) => h("th", {}, c)))),
      body,
    ),
    note,
  );
  return {
    element,
    async refresh() {
      let executions: JobExecutionView[];
      try {
        executions = await api.get<JobExecutionView[]>(`/api/devices/${encodeURIComponent(thing)}/jobs`);
      } catch (error) {
        const why = unavailable(error);
        if (!why) throw error;
        note.textContent = why;
        return;
      }
      body.replaceChildren(
        ...executions.map((e) =>
          h(
            "tr",
            { "data-device-job": e.jobId },
            h("td", {}, h("a", { href: `#/jobs/${encodeURIComponent(e.jobId)}` }, e.jobId)),
            h("td", {}, pill(e.status)),
            h("td", {}, `#${e.executionNumber}`),
            h("td", {}, time(e.lastUpdatedAt)),
          ),
        ),
      );
      note.textContent = executions.length === 0 ? "No job has targeted this device." : "";
    },
  };
}
