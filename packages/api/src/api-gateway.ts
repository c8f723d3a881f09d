import type { APIGatewayProxyEventV2, APIGatewayProxyResult } from "aws-lambda";
import { handle } from "hono/aws-lambda";
import type { ApiApp } from "./api-app.js";

export type ApiGatewayHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResult>;

/**
 * The query API behind an API Gateway HTTP API (payload format 2.0), through Hono's Lambda
 * adapter: the same app, token check and error bodies as the local HTTP server, so a client cannot
 * tell which one answered.
 */
export function apiGatewayHandler(app: ApiApp): ApiGatewayHandler {
  const handler = handle(app.hono);
  return (event) => handler(event as never) as Promise<APIGatewayProxyResult>;
}

/**
 * The caller's role as the API's Lambda authorizer found it (its simple response's context, which
 * API Gateway hands the function as `event.requestContext.authorizer.lambda`): `roleOf` for the app.
 */
export function authorizerRole(env: unknown): string | undefined {
  const role = (env as { requestContext?: { authorizer?: { lambda?: { role?: unknown } } } } | undefined)
    ?.requestContext?.authorizer?.lambda?.role;
  return typeof role === "string" ? role : undefined;
}
