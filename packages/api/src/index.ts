// The query API: its routes over the core ports, one Hono app for Node's server and API Gateway.

export {
  ApiApp,
  type ApiAppOptions,
  MAX_BODY_DEPTH,
  type Request,
  type Response,
  type RouteHandler,
  send,
} from "./api-app.js";
export type { ApiContext } from "./api-context.js";
export { type ApiGatewayHandler, apiGatewayHandler, authorizerRole } from "./api-gateway.js";
export { type ApiTokens, type CallerRole, roleOfToken } from "./callers.js";
export { badParameter, errorResponse, HttpError } from "./http-error.js";
export {
  bucketParameter,
  instantParameter,
  intParameter,
  pageParameters,
  pageResponse,
} from "./parameters.js";
export { queryApiRoutes } from "./query-api.js";
export { redriveRoutes } from "./routes/redrive-routes.js";
