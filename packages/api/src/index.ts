export * from "./api-context.js";
export * from "./api-gateway.js";
export * from "./dispatch.js";
export * from "./http-error.js";
export * from "./parameters.js";
export * from "./query-api.js";
export * from "./router.js";
export * from "./routes/redrive-routes.js";
