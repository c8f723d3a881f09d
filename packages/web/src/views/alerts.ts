import { type Alert, api } from "../api.js";
import { h, time } from "../dom.js";
import type { View } from "./view.js";

/** Open, acked and cleared alarms, with an ack button for the open ones. */
export function alertsView(): View {
  const status = h(
    "select",
    { "data-filter": "status" },
    h("option", { value: "" }, "all"),
    h("option", { value: "open" }, "open"),
    h("option", { value: "acked" }, "acked"),
    h("option", { value: "cleared" }, "cleared"),
  );
  const body = h("tbody", {});
  const message = h("p", {});
  const element = h(
    "section",
    { "data-view": "alerts" },
    h("div", { class: "filters" }, status),
    message,
    h(
      "table",
      { class: "list" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ...["thing", "code", "severity", "status", "opened", "occurrences", ""].map((c) => h("th", {}, c)),
        ),
      ),
      body,
    ),
  );
  let refresh: () => Promise<void>;

  async function ack(alert: Alert): Promise<void> {
    try {
      await api.post(`/api/alerts/${encodeURIComponent(alert.id)}/ack`);
      message.textContent = `Acknowledged ${alert.code} on ${alert.thing}.`;
      message.className = "ok";
    } catch (error) {
      message.textContent = (error as Error).message;
      message.className = "error";
    }
    await refresh();
  }

  refresh = async () => {
    const alerts = await api.get<Alert[]>(`/api/alerts${status.value ? `?status=${status.value}` : ""}`);
    body.replaceChildren(
      ...alerts.map((alert) => {
        const button = alert.status === "open" ? h("button", { "data-ack": alert.id }, "Ack") : null;
        button?.addEventListener("click", () => void ack(alert));
        return h(
          "tr",
          { "data-alert": alert.id, "data-thing": alert.thing, "data-status": alert.status },
          h("td", {}, h("a", { href: `#/devices/${encodeURIComponent(alert.thing)}` }, alert.thing)),
          h("td", {}, alert.code),
          h("td", {}, alert.severity),
          h("td", { class: "status" }, alert.status),
          h("td", {}, time(alert.openedAt)),
          h("td", {}, String(alert.occurrences)),
          h("td", {}, button),
        );
      }),
    );
    if (alerts.length === 0) body.replaceChildren(h("tr", {}, h("td", { colspan: "7" }, "No alerts.")));
  };
  status.addEventListener("change", () => void refresh());
  return { element, title: "Alerts", refresh: () => refresh() };
}
