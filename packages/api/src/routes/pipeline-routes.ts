import { encodeCursor } from "@fleetline/core/common";
import { quarantinePosition } from "@fleetline/core/telemetry";
import type { ApiApp } from "../api-app.js";
import type { ApiContext } from "../api-context.js";
import { HttpError } from "../http-error.js";
import { pageParameters, pageResponse } from "../parameters.js";

/** Lambda answers at most 6 MB; a page of quarantined messages stays well under it. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** `/healthz`, `/api/health`, `/api/info`, `/api/stats`, `/api/rejected` (docs/guide/local-runtime.md, "Query it"). */
export function pipelineRoutes(app: ApiApp, api: ApiContext): void {
  app.add("GET", "/healthz", async () => {
    if (!api.ready()) return { status: 503, body: { status: "starting" } };
    const report = await api.health?.();
    const down = report?.components.filter((c) => c.status === "down").map((c) => c.name) ?? [];
    return down.length > 0
      ? { status: 503, body: { status: "down", down } }
      : { status: 200, body: { status: "ok" } };
  });
  app.add("GET", "/api/health", async () => {
    if (!api.health) throw new HttpError(404, "NOT_FOUND", "component health is reported by fleetline dev");
    return { status: 200, body: await api.health() };
  });
  app.add("GET", "/api/info", () => ({ status: 200, body: api.info }));
  app.add("GET", "/api/stats", async () => {
    const [counters, deadLettered] = await Promise.all([api.counters.read(), api.deadLetters.count()]);
    return { status: 200, body: { ...counters, deadLettered } };
  });
  app.add("GET", "/api/rejected", async (request) => {
    const page = await api.quarantine.page(pageParameters(request.query));
    // Each entry carries its payload (up to 128 KB): a page stops short of Lambda's 6 MB response.
    let bytes = 2;
    const items: typeof page.items = [];
    for (const entry of page.items) {
      const size = JSON.stringify(entry).length + 1;
      if (items.length > 0 && bytes + size > MAX_RESPONSE_BYTES) break;
      items.push(entry);
      bytes += size;
    }
    const last = items.at(-1);
    const cut = items.length < page.items.length && last !== undefined;
    return pageResponse(
      cut ? { items, next: encodeCursor(quarantinePosition(last)) } : page,
      items.map(({ receivedAt, topic, clientId, reason, detail, payloadBase64, messageId }) => ({
        receivedAt,
        topic,
        clientId,
        reason,
        detail,
        payloadBase64,
        messageId,
      })),
    );
  });
}
