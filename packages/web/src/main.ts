import "./styles.css";
import { ApiError } from "./api.js";
import { alertsView } from "./views/alerts.js";
import { deviceView } from "./views/device.js";
import { fleetView } from "./views/fleet.js";
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
  if (hash === "/alerts") return alertsView();
  if (hash === "/rejected") return rejectedView();
  return fleetView();
}

function setConnection(state: "live" | "down", message?: string): void {
  connection.dataset.state = state;
  connection.textContent = state === "live" ? "live" : "API unreachable";
  banner.hidden = message === undefined;
  banner.textContent = message ?? "";
}

async function refresh(): Promise<void> {
  const view = current;
  if (!view) return;
  try {
    await view.refresh();
    setConnection("live");
  } catch (error) {
    const reachable = error instanceof ApiError && error.status !== 0;
    if (reachable) connection.dataset.state = "live";
    setConnection(reachable ? "live" : "down", (error as Error).message);
  }
}

function show(): void {
  current?.dispose?.();
  current = route();
  root.replaceChildren(current.element);
  const section = location.hash.startsWith("#/alerts")
    ? "alerts"
    : location.hash.startsWith("#/rejected")
      ? "rejected"
      : "fleet";
  for (const link of document.querySelectorAll<HTMLAnchorElement>("[data-nav]")) {
    link.classList.toggle("active", link.dataset.nav === section);
  }
  void refresh();
}

window.addEventListener("hashchange", show);
setInterval(() => void refresh(), POLL_MS);
show();
