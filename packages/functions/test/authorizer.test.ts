import { apiGatewayHandler, authorizerRole, queryApiRoutes } from "@fleetline/api";
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2 } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiGatewayEvent } from "../../api/test/api-gateway-event.js";

const OPERATOR = "operator-token-0123456789";
const VIEWER = "viewer-token-0123456789ab";
let authorize: (
  event: APIGatewayRequestAuthorizerEventV2,
) => Promise<{ isAuthorized: boolean; context: { role: string } }>;

beforeAll(async () => {
  // As SST binds the secrets on Lambda once read from SSM, and as `sst dev` passes them.
  Object.assign(process.env, {
    SST_APP: "fleetline",
    SST_STAGE: "test",
    SST_Secret_value_API_TOKEN: OPERATOR,
    SST_Secret_value_API_VIEWER_TOKEN: VIEWER,
  });
  ({ handler: authorize } = await import("../src/entry-points/authorizer.js"));
});

// The secrets are read at import: the environment goes back as it was for the next file.
afterAll(() => {
  for (const name of [
    "SST_APP",
    "SST_STAGE",
    "SST_Secret_value_API_TOKEN",
    "SST_Secret_value_API_VIEWER_TOKEN",
  ])
    delete process.env[name];
});

/** An HTTP API authorizer request (payload 2.0), as API Gateway sends one. */
function authorizerEvent(authorization?: string): APIGatewayRequestAuthorizerEventV2 {
  return {
    version: "2.0",
    type: "REQUEST",
    routeArn: "arn:aws:execute-api:us-east-1:123456789012:api/$default/GET/api/devices",
    identitySource: authorization ? [authorization] : [],
    routeKey: "$default",
    rawPath: "/api/devices",
    rawQueryString: "",
    headers: authorization ? { authorization } : {},
    requestContext: {} as APIGatewayRequestAuthorizerEventV2["requestContext"],
  } as unknown as APIGatewayRequestAuthorizerEventV2;
}

describe("the query API's Lambda authorizer", () => {
  it("says whose token a request carries, and lets every request through to the function", async () => {
    expect(await authorize(authorizerEvent(`Bearer ${OPERATOR}`))).toEqual({
      isAuthorized: true,
      context: { role: "operator" },
    });
    expect(await authorize(authorizerEvent(`Bearer ${VIEWER}`))).toEqual({
      isAuthorized: true,
      context: { role: "viewer" },
    });
    expect(await authorize(authorizerEvent("Bearer guess"))).toEqual({
      isAuthorized: true,
      context: { role: "none" },
    });
    expect(await authorize(authorizerEvent(`Bearer ${OPERATOR}x`))).toEqual({
      isAuthorized: true,
      context: { role: "none" },
    });
  });

  it("and the api function answers what its word allows, with the API's own error bodies", async () => {
    const app = queryApiRoutes(
      // Nothing behind the routes is reached: the gate answers first.
      {} as Parameters<typeof queryApiRoutes>[0],
      { roleOf: authorizerRole },
    );
    const handler = apiGatewayHandler(app);
    const through = async (authorization: string, method: string, path: string) => {
      const { context } = await authorize(authorizerEvent(authorization));
      const event: APIGatewayProxyEventV2 = apiGatewayEvent(method, path, {
        headers: { authorization },
        ...(method === "GET" ? {} : { body: "{}" }),
      });
      Object.assign(event.requestContext, { authorizer: { lambda: context } });
      return handler(event);
    };
    const wrong = await through("Bearer guess", "GET", "/api/devices");
    expect(wrong.statusCode).toBe(401);
    expect(JSON.parse(wrong.body as string).error.code).toBe("UNAUTHORIZED");
    const viewerWrite = await through(`Bearer ${VIEWER}`, "POST", "/api/things");
    expect(viewerWrite.statusCode).toBe(403);
    expect(JSON.parse(viewerWrite.body as string).error.code).toBe("FORBIDDEN");
  });
});
