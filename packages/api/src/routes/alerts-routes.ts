import { ALERT_STATUSES, type AlertRecord, ackAlert } from "@fleetline/core/alarms";
import type { ApiApp } from "../api-app.js";
import type { ApiContext } from "../api-context.js";
import { badParameter, HttpError } from "../http-error.js";
import { pageParameters, pageResponse } from "../parameters.js";

/** Alarms and commands (docs/guide/local-runtime.md, "Query it"): `/api/alerts`, `POST /api/alerts/{id}/ack`, `/api/commands`. */
export function alertsRoutes(app: ApiApp, api: ApiContext): void {
  app.add("GET", "/api/alerts", async (request) => {
    const status = request.query.get("status");
    if (status !== null && !(ALERT_STATUSES as readonly string[]).includes(status)) {
      throw badParameter("status", `must be one of ${ALERT_STATUSES.join(", ")}, got "${status}"`);
    }
    const thing = request.query.get("thing");
    const page = await api.alarms.alerts.page({
      ...pageParameters(request.query),
      ...(status ? { status: status as AlertRecord["status"] } : {}),
      ...(thing ? { thing } : {}),
    });
    return pageResponse(page);
  });
  app.add("POST", "/api/alerts/:id/ack", async (request) => {
    const id = request.params.id as string;
    const acked = await ackAlert(id, api.alarms);
    if (!acked) throw new HttpError(404, "NOT_FOUND", `no alert with id ${id}`);
    return { status: 200, body: acked };
  });
  app.add("GET", "/api/commands", async (request) => {
    const thing = request.query.get("thing");
    const page = await api.alarms.ledger.page({
      ...pageParameters(request.query),
      ...(thing ? { thing } : {}),
    });
    return pageResponse(page);
  });
}
