import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { type DispatchOptions, dispatch, encodeResponse } from "./dispatch.js";
import type { Router } from "./router.js";

export type ApiGatewayHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * The query API behind an API Gateway HTTP API (payload format 2.0): the same router, token check
 * and error bodies as the local HTTP server, so a client cannot tell which one answered.
 */
export function apiGatewayHandler(router: Router, options: DispatchOptions = {}): ApiGatewayHandler {
  return async (event) => {
    const rawBody =
      event.body === undefined
        ? Buffer.alloc(0)
        : Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8");
    const response = await dispatch(
      router,
      {
        method: event.requestContext.http.method,
        path: event.rawPath,
        query: new URLSearchParams(event.rawQueryString),
        headers: event.headers,
        rawBody,
      },
      options,
    );
    const { headers, payload } = encodeResponse(response);
    const binary = Buffer.isBuffer(response.body);
    return {
      statusCode: response.status,
      headers,
      body: payload.toString(binary ? "base64" : "utf8"),
      isBase64Encoded: binary,
    };
  };
}
