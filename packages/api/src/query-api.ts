import type { ApiContext } from "./api-context.js";
import { Router } from "./router.js";
import { alertsRoutes } from "./routes/alerts-routes.js";
import { devicesRoutes } from "./routes/devices-routes.js";
import { pipelineRoutes } from "./routes/pipeline-routes.js";
import { redriveRoutes } from "./routes/redrive-routes.js";
import { thingsRoutes } from "./routes/things-routes.js";

/** Every route of the query API (docs/contract.md §4) over one context, on a router of its own or the given one. */
export function queryApiRoutes(api: ApiContext, router = new Router()): Router {
  pipelineRoutes(router, api);
  thingsRoutes(router, api);
  devicesRoutes(router, api);
  alertsRoutes(router, api);
  if (api.redrive) redriveRoutes(router, api.redrive);
  return router;
}
