import { api } from "../api.js";
import { h, time } from "../dom.js";
import type { View } from "./view.js";

interface Rejected {
  receivedAt: number;
  topic: string;
  clientId: string;
  reason: string;
  detail: string;
  payloadBase64: string;
}

function decode(base64: string): string {
  try {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    return new TextDecoder().decode(bytes);
  } catch {
    return base64;
  }
}

/** Quarantined messages with their reason and the payload as the device sent it. */
export function rejectedView(): View {
  const body = h("tbody", {});
  const element = h(
    "section",
    { "data-view": "rejected" },
    h(
      "table",
      { class: "list" },
      h(
        "thead",
        {},
        h("tr", {}, ...["received", "topic", "reason", "detail", "payload"].map((c) => h("th", {}, c))),
      ),
      body,
    ),
  );
  return {
    element,
    title: "Rejected messages",
    async refresh() {
      const entries = await api.get<Rejected[]>("/api/rejected?limit=200");
      body.replaceChildren(
        ...entries.map((entry) =>
          h(
            "tr",
            { "data-reason": entry.reason },
            h("td", {}, time(entry.receivedAt)),
            h("td", {}, entry.topic),
            h("td", {}, h("b", {}, entry.reason)),
            h("td", {}, entry.detail),
            h("td", {}, h("pre", {}, decode(entry.payloadBase64))),
          ),
        ),
      );
      if (entries.length === 0)
        body.replaceChildren(h("tr", {}, h("td", { colspan: "5" }, "Nothing rejected.")));
    },
  };
}
