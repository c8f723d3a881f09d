import type { APIGatewayProxyEventV2 } from "aws-lambda";

/** An API Gateway HTTP API event (payload 2.0) for one request, as API Gateway sends it to Lambda. */
export function apiGatewayEvent(
  method: string,
  pathAndQuery: string,
  options: { headers?: Record<string, string>; body?: string; base64?: boolean } = {},
): APIGatewayProxyEventV2 {
  const [rawPath, rawQueryString = ""] = pathAndQuery.split("?") as [string, string?];
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString,
    headers: options.headers ?? {},
    requestContext: { http: { method, path: rawPath } } as APIGatewayProxyEventV2["requestContext"],
    isBase64Encoded: options.base64 ?? false,
    ...(options.body === undefined || options.body === "" ? {} : { body: options.body }),
  };
}
