import "./styles.css";
import { ApiError, apiToken } from "./api.js";
import { markHealthUnknown, refreshHealth } from "./health.js";
import { alertsView } from "./views/alerts.js";
import { deviceView } from "./views/device.js";
import { fleetView } from "./views/fleet.js";
import { functionsView, invocationView } from "./views/functions.js";
import { jobsView, jobView } from "./views/jobs.js";
import { mqttView } from "./views/mqtt.js";
import { rejectedView } from "./views/rejected.js";
import type { View } from "./views/view.js";

const POLL_MS = 2_000;
const root = document.getElementById("view") as HTMLElement;
const banner = document.getElementById("banner") as HTMLElement;
const connection = document.getElementById("connection") as HTMLElement;
let current: View | undefined;

function route(): View {
  const hash = location.hash.replace(/^#/, "") || "/";
  const device = /^\/devices\/(.+)$/.exec(hash);
  if (device?.[1]) return deviceView(decodeURIComponent(device[1]));
  const invocation = /^\/invocations\/(.+)$/.exec(hash);
  if (invocation?.[1]) return invocationView(decodeURIComponent(invocation[1]));
  const job = /^\/jobs\/(.+)$/.exec(hash);
  if (job?.[1]) return jobView(decodeURIComponent(job[1]));
  if (hash === "/jobs") return jobsView();
  if (hash === "/functions") return functionsView();
  if (hash === "/alerts") return alertsView();
  if (hash === "/rejected") return rejectedView();
  if (hash === "/mqtt") return mqttView();
  return fleetView();
}

/** When the figures on screen were last read from the API. */
let freshAt = Date.now();

/**
 * Live or down, said honestly: while the API is unreachable the pipeline's health is unknown (not
 * the last "ok"), and the figures on screen are marked stale with the time they are from.
 */
function setConnection(state: "live" | "down", message?: string): void {
  connection.dataset.state = state;
  connection.textContent = state === "live" ? "live" : "API unreachable";
  document.body.dataset.api = state;
  if (state === "live") freshAt = Date.now();
  else markHealthUnknown();
  banner.hidden = message === undefined;
  banner.textContent =
    message === undefined
      ? ""
      : state === "down"
        ? `${message}. What is shown is from ${new Date(freshAt).toLocaleTimeString()} and may have changed since.`
        : message;
}

/** The API wants a token (401): ask for it in the banner and keep it in this browser. */
function askForToken(message: string): void {
  if (banner.querySelector("form")) return;
  const form = document.createElement("form");
  form.className = "token-form";
  const input = Object.assign(document.createElement("input"), {
    type: "password",
    name: "token",
    placeholder: "API token",
    autocomplete: "current-password",
  });
  const save = Object.assign(document.createElement("button"), { type: "submit", textContent: "Use token" });
  form.append(`${message}. `, input, save);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    apiToken.set(input.value);
    banner.hidden = true;
    banner.replaceChildren();
    void refresh();
  });
  banner.replaceChildren(form);
  banner.hidden = false;
  connection.dataset.state = "live";
  connection.textContent = "token needed";
}

async function refresh(): Promise<void> {
  const view = current;
  if (!view) return;
  void refreshHealth();
  try {
    await view.refresh();
    setConnection("live");
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return askForToken(error.message);
    const reachable = error instanceof ApiError && error.status !== 0;
    if (reachable) connection.dataset.state = "live";
    setConnection(reachable ? "live" : "down", (error as Error).message);
  }
}

function show(): void {
  current?.dispose?.();
  current = route();
  root.replaceChildren(current.element);
  document.title = `${current.title} · Fleetline`;
  const section = location.hash.startsWith("#/alerts")
    ? "alerts"
    : location.hash.startsWith("#/rejected")
      ? "rejected"
      : location.hash.startsWith("#/functions") || location.hash.startsWith("#/invocations")
        ? "functions"
        : location.hash.startsWith("#/mqtt")
          ? "mqtt"
          : location.hash.startsWith("#/jobs")
            ? "jobs"
            : "fleet";
  for (const link of document.querySelectorAll<HTMLAnchorElement>("[data-nav]")) {
    link.classList.toggle("active", link.dataset.nav === section);
  }
  void refresh();
}

window.addEventListener("hashchange", show);
setInterval(() => void refresh(), POLL_MS);
show();
