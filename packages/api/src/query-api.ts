import { ApiApp, type ApiAppOptions } from "./api-app.js";
import type { ApiContext } from "./api-context.js";
import { alertsRoutes } from "./routes/alerts-routes.js";
import { devicesRoutes } from "./routes/devices-routes.js";
import { jobsRoutes } from "./routes/jobs-routes.js";
import { pipelineRoutes } from "./routes/pipeline-routes.js";
import { redriveRoutes } from "./routes/redrive-routes.js";
import { thingsRoutes } from "./routes/things-routes.js";

/** Every route of the query API (docs/reference/api.md) over one context, on a new app or the given one. */
export function queryApiRoutes(api: ApiContext, app: ApiApp | ApiAppOptions = {}): ApiApp {
  const routes = app instanceof ApiApp ? app : new ApiApp(app);
  pipelineRoutes(routes, api);
  thingsRoutes(routes, api);
  devicesRoutes(routes, api);
  alertsRoutes(routes, api);
  jobsRoutes(routes, api);
  if (api.redrive) redriveRoutes(routes, api.redrive);
  return routes;
}
