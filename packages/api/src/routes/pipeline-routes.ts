import type { ApiContext } from "../api-context.js";
import { intParameter } from "../parameters.js";
import type { Router } from "../router.js";

/** `/healthz`, `/api/info`, `/api/stats`, `/api/rejected` (SPEC §3–4). */
export function pipelineRoutes(router: Router, api: ApiContext): void {
  router.add("GET", "/healthz", () =>
    api.ready() ? { status: 200, body: { status: "ok" } } : { status: 503, body: { status: "starting" } },
  );
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
