import { ApiError, api } from "../api.js";
import { h, plural, time } from "../dom.js";
import type { View } from "./view.js";

interface Rejected {
  receivedAt: number;
  topic: string;
  clientId: string;
  reason: string;
  detail: string;
  payloadBase64: string;
  messageId: string;
}

interface RedriveRound {
  examined: number;
  redriven: number;
  kept: Array<{ id: string; why: string }>;
  remaining: number;
  run: string;
}

function decode(base64: string): string {
  try {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    return new TextDecoder().decode(bytes);
  } catch {
    return base64;
  }
}

/** A topic that breaks only after its slashes, never inside a thing name. */
function topic(text: string): HTMLElement {
  const parts = text.split("/");
  return h(
    "span",
    { class: "topic" },
    ...parts.flatMap((part, i) => (i < parts.length - 1 ? [`${part}/`, h("wbr", {})] : [part])),
  );
}

/** The thing a quarantined message came from: the topic's, else the client's. */
const thingOf = (entry: Rejected) => entry.topic.split("/")[3] ?? entry.clientId;

/**
 * Quarantined messages with their reason and the payload as the device sent it, filtered by reason
 * and thing; a button redrives what is shown (`POST /api/redrive/quarantine`), as `fleetline
 * redrive --quarantine --reason R --thing X` does.
 */
export function rejectedView(): View {
  let entries: Rejected[] = [];
  const body = h("tbody", {});
  const reason = h("select", { "data-filter": "reason" }, h("option", { value: "" }, "every reason"));
  const thing = h("input", { "data-filter": "thing", placeholder: "thing", size: "14" });
  const redrive = h("button", { "data-redrive": "" }, "Redrive these");
  const outcome = h("p", { "data-redrive-outcome": "" });
  const count = h("span", { class: "count" });
  const element = h(
    "section",
    { "data-view": "rejected" },
    h("div", { class: "filters" }, reason, thing, redrive, count),
    outcome,
    h(
      "table",
      { class: "list rejected" },
      h(
        "thead",
        {},
        h("tr", {}, ...["received", "topic", "reason", "detail", "payload"].map((c) => h("th", {}, c))),
      ),
      body,
    ),
  );

  const shown = () =>
    entries.filter(
      (entry) =>
        (!reason.value || entry.reason === reason.value) &&
        (!thing.value.trim() || thingOf(entry) === thing.value.trim()),
    );

  function paint(): void {
    const list = shown();
    count.textContent = `${plural(list.length, "message")} shown`;
    redrive.disabled = list.length === 0;
    body.replaceChildren(
      ...list.map((entry) =>
        h(
          "tr",
          { "data-reason": entry.reason, "data-thing": thingOf(entry) },
          h("td", {}, time(entry.receivedAt)),
          h("td", {}, topic(entry.topic)),
          h("td", {}, h("b", {}, entry.reason)),
          h("td", {}, entry.detail),
          h("td", {}, h("pre", { class: "payload" }, decode(entry.payloadBase64))),
        ),
      ),
    );
    if (list.length === 0)
      body.replaceChildren(
        h(
          "tr",
          {},
          h(
            "td",
            { colspan: "5" },
            entries.length === 0
              ? "Nothing rejected: every message passed the contract."
              : "Nothing rejected matches the filter.",
          ),
        ),
      );
  }

  redrive.addEventListener("click", async () => {
    redrive.disabled = true;
    outcome.className = "";
    outcome.textContent = "Redriving…";
    const filter = { reason: reason.value || undefined, thing: thing.value.trim() || undefined };
    let redriven = 0;
    const kept: RedriveRound["kept"] = [];
    let run: string | undefined;
    try {
      for (;;) {
        const round: RedriveRound = await api.post("/api/redrive/quarantine", { ...filter, run });
        if (round.examined === 0) break;
        run = round.run;
        redriven += round.redriven;
        kept.push(...round.kept);
      }
      outcome.className = kept.length === 0 ? "ok" : "error";
      outcome.textContent =
        redriven + kept.length === 0
          ? "Nothing to redrive."
          : `Redrove ${redriven} of ${redriven + kept.length}${kept.length ? `; kept ${kept.length}: ${kept.map((k) => k.why).join("; ")}` : ""}.`;
    } catch (error) {
      outcome.className = "error";
      outcome.textContent = error instanceof ApiError ? error.message : String(error);
    }
    await view.refresh();
  });
  reason.addEventListener("change", paint);
  thing.addEventListener("input", paint);

  const view: View = {
    element,
    title: "Rejected messages",
    async refresh() {
      entries = await api.get<Rejected[]>("/api/rejected?limit=200");
      const reasons = [...new Set(entries.map((e) => e.reason))].sort();
      const chosen = reason.value;
      reason.replaceChildren(
        h("option", { value: "" }, "every reason"),
        ...reasons.map((r) => h("option", { value: r }, r)),
      );
      reason.value = reasons.includes(chosen) ? chosen : "";
      paint();
    },
  };
  return view;
}
