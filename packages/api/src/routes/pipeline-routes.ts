import type { ApiContext } from "../api-context.js";
import { HttpError } from "../http-error.js";
import { intParameter } from "../parameters.js";
import type { Router } from "../router.js";

/** `/healthz`, `/api/health`, `/api/info`, `/api/stats`, `/api/rejected` (README, "Query it"). */
export function pipelineRoutes(router: Router, api: ApiContext): void {
  router.add("GET", "/healthz", async () => {
    if (!api.ready()) return { status: 503, body: { status: "starting" } };
    const report = await api.health?.();
    const down = report?.components.filter((c) => c.status === "down").map((c) => c.name) ?? [];
    return down.length > 0
      ? { status: 503, body: { status: "down", down } }
      : { status: 200, body: { status: "ok" } };
  });
  router.add("GET", "/api/health", async () => {
    if (!api.health) throw new HttpError(404, "NOT_FOUND", "component health is reported by fleetline dev");
    return { status: 200, body: await api.health() };
  });
  router.add("GET", "/api/info", () => ({ status: 200, body: api.info }));
  router.add("GET", "/api/stats", async () => {
    const [counters, deadLettered] = await Promise.all([api.counters.read(), api.deadLetters.count()]);
    return { status: 200, body: { ...counters, deadLettered } };
  });
  router.add("GET", "/api/rejected", async (request) => {
    const limit = intParameter(request.query, "limit", { min: 1, max: 1000, fallback: 100 });
    const entries = await api.quarantine.list({ limit });
    return {
      status: 200,
      body: entries.map(({ receivedAt, topic, clientId, reason, detail, payloadBase64, messageId }) => ({
        receivedAt,
        topic,
        clientId,
        reason,
        detail,
        payloadBase64,
        messageId,
      })),
    };
  });
}
