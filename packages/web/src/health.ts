import { ApiError, api, type HealthReport } from "./api.js";
import { h } from "./dom.js";

const badge = document.getElementById("health") as HTMLElement;
const detail = document.getElementById("health-detail") as HTMLElement;

function render(report: HealthReport): void {
  badge.hidden = false;
  badge.dataset.status = report.status;
  badge.textContent = `pipeline ${report.status}`;
  const troubled = report.components.filter((component) => component.status !== "ok");
  badge.title = troubled.map((component) => `${component.name}: ${component.status}`).join("\n");
  detail.hidden = troubled.length === 0;
  detail.replaceChildren(
    ...troubled.map((component) =>
      h(
        "li",
        { "data-component": component.name, "data-status": component.status },
        h("b", {}, `${component.name} ${component.status}`),
        `: ${component.detail}`,
      ),
    ),
  );
}

/** The API is out of reach: the pipeline's health is not known, whatever it was a moment ago. */
export function markHealthUnknown(): void {
  if (badge.hidden) return;
  badge.dataset.status = "unknown";
  badge.textContent = "pipeline unknown";
  badge.title = "the API is unreachable: no health to show";
  detail.hidden = true;
}

/**
 * The pipeline's health in the header (`GET /api/health`), with a line per component that is not
 * ok. An API without health reports (404) hides it; an unreachable API is the banner's to say.
 */
export async function refreshHealth(): Promise<void> {
  try {
    render(await api.get<HealthReport>("/api/health"));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      badge.hidden = true;
      detail.hidden = true;
    } else if (error instanceof ApiError && error.status === 0) markHealthUnknown();
  }
}
