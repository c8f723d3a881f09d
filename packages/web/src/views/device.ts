import { type Alert, ApiError, api, type Point } from "../api.js";
import { CHARTED_METRICS, type DeviceType } from "../device-types.js";
import { ago, h, plural, time } from "../dom.js";
import { MetricChart } from "./chart.js";
import { deviceJobsCard } from "./jobs.js";
import type { View } from "./view.js";

const RANGES: Record<string, number> = {
  "15 min": 15 * 60_000,
  "1 h": 3_600_000,
  "24 h": 86_400_000,
  "7 d": 7 * 86_400_000,
};

interface DeviceDetail {
  thing: string;
  type: DeviceType;
  /** As the broker or the device's lifecycle events tell it (docs/guide/operate.md, "Presence"). */
  connected: boolean | null;
  connectedSince?: number;
  disconnectedSince?: number;
  disconnectReason?: string;
  lastSeen: number | null;
  metrics: Record<string, unknown> | null;
  faults: Array<{ code: string; severity: string }>;
  shadow: { state: Record<string, unknown>; version: number } | null;
  openAlerts: Alert[];
}

/** " · connected since 09:14", " · disconnected since 09:02 (MQTT_KEEP_ALIVE_TIMEOUT)", or nothing. */
function presenceText(detail: DeviceDetail): string {
  if (detail.connected === null) return "";
  const since = detail.connected ? detail.connectedSince : detail.disconnectedSince;
  const when = since === undefined ? "" : ` since ${new Date(since).toLocaleTimeString()}`;
  const why = !detail.connected && detail.disconnectReason ? ` (${detail.disconnectReason})` : "";
  return ` · ${detail.connected ? "connected" : "disconnected"}${when}${why}`;
}

interface Command {
  id: string;
  desired: unknown;
  status: "pending" | "delivered" | "expired" | "failed";
  createdAt: number;
  deliveredAt?: number;
  /** Why the shadow refused a failed command. */
  error?: string;
}

/** One device: charts per metric, cartridges or position, its shadow with an editor, its commands. */
export function deviceView(thing: string): View {
  let range = RANGES["1 h"] as number;
  /** The range is the user's once they pick one; until then the smallest that shows the last report. */
  let chosen = false;
  let charts: MetricChart[] | undefined;
  let editorFilled = false;
  let shadowVersion: number | undefined;
  const title = h("h2", {}, thing);
  const summary = h("p", {});
  const ranges = h("div", { class: "ranges" });
  const chartGrid = h("div", { class: "grid" });
  const extra = h("div", { class: "card", "data-extra": "" });
  const shadowState = h("pre", { "data-shadow": "" }, "—");
  const editor = h("textarea", { "data-editor": "", spellcheck: "false" });
  const send = h("button", { "data-send": "" }, "Send desired");
  const useVersion = h("input", { type: "checkbox", "data-use-version": "" });
  const shadowMessage = h("p", { "data-shadow-message": "" });
  const commands = h("tbody", {});
  const jobs = deviceJobsCard(thing);
  const element = h(
    "section",
    { "data-view": "device", "data-thing": thing },
    title,
    summary,
    ranges,
    chartGrid,
    h(
      "div",
      { class: "grid", style: "margin-top:1rem" },
      extra,
      h("div", { class: "card" }, h("h3", {}, "Shadow (desired, reported, delta)"), shadowState),
      h(
        "div",
        { class: "card" },
        h("h3", {}, "Desired state"),
        editor,
        h("label", {}, useVersion, " only if the shadow is still at the version shown"),
        h("div", {}, send),
        shadowMessage,
      ),
      h("div", { class: "card" }, h("h3", {}, "Commands"), h("table", { class: "list" }, commands)),
      jobs.element,
    ),
  );

  for (const [label, ms] of Object.entries(RANGES)) {
    const button = h("button", { "data-range": label, class: ms === range ? "active" : undefined }, label);
    button.addEventListener("click", () => {
      range = ms;
      chosen = true;
      for (const b of ranges.querySelectorAll("button")) b.classList.toggle("active", b === button);
      void view.refresh();
    });
    ranges.append(button);
  }

  send.addEventListener("click", async () => {
    // Sent as typed: the shadow service judges it, so what AWS would refuse is refused here too.
    const version = useVersion.checked && shadowVersion !== undefined ? `,"version":${shadowVersion}` : "";
    const body = `{"state":{"desired":${editor.value.trim() || "{}"}}${version}}`;
    try {
      await api.post(`/api/devices/${encodeURIComponent(thing)}/shadow`, body);
      shadowMessage.textContent = "Accepted: the device gets the delta.";
      shadowMessage.className = "ok";
      editorFilled = false;
    } catch (error) {
      const status = error instanceof ApiError ? ` (${error.status})` : "";
      shadowMessage.textContent = `Rejected${status}: ${(error as Error).message}`;
      shadowMessage.className = "error";
    }
    await view.refresh();
  });

  function renderExtra(detail: DeviceDetail, position: { x: Point[]; y: Point[] } | undefined): void {
    if (detail.type === "freestyle") {
      const cartridges = (detail.metrics?.cartridges ?? {}) as Record<string, number>;
      extra.replaceChildren(
        h("h3", {}, "Cartridges"),
        h(
          "div",
          { class: "bars" },
          ...Object.entries(cartridges).map(([flavor, level]) =>
            h(
              "div",
              {},
              h("span", { style: "width:7rem" }, flavor),
              h("span", { class: "bar", style: `width:${level * 2}px` }),
              `${level}%`,
            ),
          ),
        ),
      );
      return;
    }
    const xs = position?.x ?? [];
    const ys = position?.y ?? [];
    if (xs.length < 2) {
      // Docked, or not moving in this range: say so rather than draw an empty box.
      const state = String(detail.metrics?.state ?? "");
      extra.replaceChildren(
        h("h3", {}, `Battery ${detail.metrics?.batteryPct ?? "—"}%`),
        h(
          "p",
          { "data-trail": "none" },
          state === "docked" || state === "charging"
            ? `At its dock (${state}): no trail to draw in this range.`
            : "No movement reported in this range.",
        ),
      );
      return;
    }
    const points = xs.map((p, i) => `${10 + p.avg * 25},${190 - (ys[i]?.avg ?? 0) * 25}`).join(" ");
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 260 200");
    svg.setAttribute("width", "260");
    svg.innerHTML = `<rect x="1" y="1" width="258" height="198" fill="#f5f6f8" stroke="#c9d0dc"/><polyline points="${points}" fill="none" stroke="#1a56db" stroke-width="2"/>`;
    extra.replaceChildren(h("h3", {}, `Battery ${detail.metrics?.batteryPct ?? "—"}% · position trail`), svg);
  }

  const view: View = {
    element,
    title: thing,
    async refresh() {
      const detail = await api.get<DeviceDetail>(`/api/devices/${encodeURIComponent(thing)}`);
      if (!chosen) {
        // Open on the smallest range that holds the last report, so the data is not squeezed at an edge.
        const age = detail.lastSeen === null ? 0 : Date.now() - detail.lastSeen;
        range = Object.values(RANGES).find((ms) => ms >= age * 4) ?? (RANGES["7 d"] as number);
        for (const b of ranges.querySelectorAll("button"))
          b.classList.toggle("active", RANGES[b.textContent ?? ""] === range);
      }
      if (!charts) {
        charts = CHARTED_METRICS[detail.type].map((metric) => new MetricChart(metric));
        chartGrid.replaceChildren(...charts.map((chart) => chart.element));
      }
      const to = Date.now();
      const query = (metric: string) =>
        api.get<{ points: Point[] }>(
          `/api/devices/${encodeURIComponent(thing)}/telemetry?metric=${metric}&from=${to - range}&to=${to}`,
        );
      const series = await Promise.all(charts.map((chart) => query(chart.metric)));
      series.forEach((s, i) => {
        charts?.[i]?.update(s.points, { from: to - range, to });
      });
      const position =
        detail.type === "robot" ? { x: (await query("x")).points, y: (await query("y")).points } : undefined;
      summary.textContent = `${detail.type} · state ${String(detail.metrics?.state ?? "—")} · last seen ${ago(detail.lastSeen)} · ${plural(detail.openAlerts.length, "open alert")} · faults: ${detail.faults.map((f) => f.code).join(", ") || "none"}${presenceText(detail)}`;
      renderExtra(detail, position);
      shadowVersion = detail.shadow?.version;
      shadowState.textContent = detail.shadow
        ? JSON.stringify({ version: detail.shadow.version, ...detail.shadow.state }, null, 2)
        : "No shadow yet.";
      if (!editorFilled && document.activeElement !== editor) {
        editor.value = JSON.stringify((detail.shadow?.state.desired as object | undefined) ?? {}, null, 2);
        editorFilled = true;
      }
      const list = await api.get<Command[]>(`/api/commands?thing=${encodeURIComponent(thing)}`);
      commands.replaceChildren(
        ...list.map((c) =>
          h(
            "tr",
            { "data-command": c.status },
            h("td", {}, JSON.stringify(c.desired)),
            h("td", c.error ? { title: c.error } : {}, c.error ? `${c.status}: ${c.error}` : c.status),
            h("td", {}, time(c.createdAt)),
          ),
        ),
      );
      if (list.length === 0) commands.replaceChildren(h("tr", {}, h("td", {}, "No commands sent.")));
      await jobs.refresh();
    },
    dispose() {
      for (const chart of charts ?? []) chart.destroy();
    },
  };
  return view;
}
