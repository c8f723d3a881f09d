import { api, type Device, type Stats } from "../api.js";
import { DEVICE_TYPE_NAMES } from "../device-types.js";
import { ago, h } from "../dom.js";
import { registerForm } from "./register.js";
import type { View } from "./view.js";

const ROW_HEIGHT = 32;
/** A device that has not reported for this long stands out. */
export const STALE_AFTER_MS = 60_000;

const COUNTERS: Array<[keyof Stats, string]> = [
  ["received", "received"],
  ["valid", "valid"],
  ["rejected", "rejected"],
  ["stored", "stored"],
  ["alertsRaised", "alerts"],
  ["deadLettered", "dead-lettered"],
];

/**
 * Whether a device is connected now (the broker, or its lifecycle events: docs/guide/operate.md,
 * "Presence"), since when, and why its last connection ended; "—" where neither can tell.
 */
function connection(d: Device): HTMLElement {
  if (d.connected === null)
    return h("span", { "data-connection": "unknown", title: "the broker does not say; see last seen" }, "—");
  const since = d.connected ? d.connectedSince : d.disconnectedSince;
  const title = [
    since === undefined
      ? undefined
      : `${d.connected ? "connected" : "disconnected"} since ${new Date(since).toLocaleString()}`,
    d.disconnectReason === undefined ? undefined : `last disconnect: ${d.disconnectReason}`,
  ]
    .filter(Boolean)
    .join("; ");
  return h(
    "span",
    {
      "data-connection": d.connected ? "connected" : "disconnected",
      class: `presence ${d.connected ? "on" : "off"}`,
      ...(title ? { title } : {}),
      ...(d.disconnectReason ? { "data-disconnect-reason": d.disconnectReason } : {}),
    },
    d.connected ? "connected" : "disconnected",
  );
}

/** Every device, filterable by type and state; a virtualised list, so 1,000 devices stay smooth. */
export function fleetView(): View {
  let devices: Device[] = [];
  let lastReceived: { at: number; count: number } | undefined;
  let rate = 0;
  const counters = h("div", { class: "counters" });
  const type = h(
    "select",
    { "data-filter": "type" },
    h("option", { value: "" }, "all types"),
    ...DEVICE_TYPE_NAMES.map((name) => h("option", { value: name }, name)),
  );
  const state = h("select", { "data-filter": "state" }, h("option", { value: "" }, "all states"));
  const viewport = h("div", { class: "viewport" });
  const spacer = h("div", {});
  const rows = h("div", { style: "position:absolute;left:0;right:0;top:0" });
  viewport.append(spacer, rows);
  const empty = h(
    "div",
    { class: "empty", hidden: true },
    "No devices yet. Start the simulator — ",
    h("code", {}, "npx fleetline simulate --devices 20"),
    " — or register one with ",
    h("code", {}, "npx fleetline devices add"),
    ".",
  );
  const table = h(
    "div",
    { class: "table" },
    h(
      "div",
      { class: "row head" },
      ...["thing", "type", "connection", "state", "last seen", "alerts"].map((c) => h("span", {}, c)),
    ),
    viewport,
  );
  const element = h(
    "section",
    { "data-view": "fleet" },
    counters,
    h("div", { class: "filters" }, type, state),
    registerForm(() => void view.refresh()),
    empty,
    table,
  );

  const visible = () =>
    devices.filter(
      (d) => (!type.value || d.type === type.value) && (!state.value || d.state === state.value),
    );

  function paint(): void {
    const list = visible();
    empty.hidden = devices.length > 0;
    table.hidden = devices.length === 0;
    spacer.style.height = `${list.length * ROW_HEIGHT}px`;
    const first = Math.floor(viewport.scrollTop / ROW_HEIGHT);
    const count = Math.ceil((viewport.clientHeight || 600) / ROW_HEIGHT) + 2;
    rows.style.top = `${first * ROW_HEIGHT}px`;
    const now = Date.now();
    rows.replaceChildren(
      ...list.slice(first, first + count).map((d) => {
        const stale = d.lastSeen === null || now - d.lastSeen > STALE_AFTER_MS;
        const classes = ["row", stale ? "stale" : "", d.registered ? "" : "removed"]
          .filter(Boolean)
          .join(" ");
        return h(
          "div",
          { class: classes, "data-thing": d.thing },
          h(
            "span",
            { class: "thing" },
            h("a", { href: `#/devices/${encodeURIComponent(d.thing)}` }, d.thing),
            d.registered
              ? null
              : h(
                  "span",
                  { class: "tag", title: "reported once, then removed from the registry" },
                  "removed",
                ),
          ),
          h("span", {}, d.type),
          connection(d),
          h("span", { "data-state": d.state ?? "" }, d.state ?? "—"),
          h("span", {}, ago(d.lastSeen, now)),
          h(
            "span",
            {},
            h(
              "span",
              { class: `badge${d.openAlerts === 0 ? " zero" : ""}`, "data-alerts": String(d.openAlerts) },
              String(d.openAlerts),
            ),
          ),
        );
      }),
    );
  }

  viewport.addEventListener("scroll", paint);
  type.addEventListener("change", paint);
  state.addEventListener("change", paint);

  const view: View = {
    element,
    title: "Fleet",
    async refresh() {
      const [list, stats] = await Promise.all([
        api.get<Device[]>("/api/devices"),
        api.get<Stats>("/api/stats"),
      ]);
      devices = list;
      const now = Date.now();
      if (lastReceived)
        rate = ((stats.received - lastReceived.count) * 1000) / Math.max(1, now - lastReceived.at);
      lastReceived = { at: now, count: stats.received };
      counters.replaceChildren(
        ...COUNTERS.map(([key, label]) =>
          h("div", { class: "counter", "data-counter": key }, h("b", {}, String(stats[key])), label),
        ),
        h("div", { class: "counter" }, h("b", {}, rate.toFixed(1)), "messages/s"),
      );
      const states = [...new Set(devices.map((d) => d.state).filter((s): s is string => s !== null))].sort();
      const chosen = state.value;
      state.replaceChildren(
        h("option", { value: "" }, "all states"),
        ...states.map((s) => h("option", { value: s }, s)),
      );
      state.value = states.includes(chosen) ? chosen : "";
      paint();
    },
  };
  return view;
}
