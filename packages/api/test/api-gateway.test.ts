import { describe, expect, it, vi } from "vitest";
import { ApiApp, type ApiAppOptions, apiGatewayHandler, authorizerRole, HttpError } from "../src/index.js";
import { apiGatewayEvent } from "./api-gateway-event.js";

function router(onCall = vi.fn(), options: ApiAppOptions = {}) {
  return new ApiApp(options)
    .add("GET", "/healthz", () => ({ status: 200, body: { status: "ok" } }))
    .add("GET", "/api/echo/:name", (request) => ({
      status: 200,
      body: { name: request.params.name, limit: request.query.get("limit") },
    }))
    .add("POST", "/api/echo", (request) => {
      onCall(request);
      return { status: 201, body: { got: request.body } };
    })
    .add("GET", "/api/bytes", () => ({
      status: 200,
      body: Buffer.from([0, 1, 2, 255]),
      headers: { "content-type": "application/octet-stream" },
    }))
    .add("GET", "/api/missing", () => {
      throw new HttpError(404, "NOT_FOUND", "no such thing");
    })
    .add("GET", "/api/broken", () => {
      throw new Error("secret internals at line 42");
    });
}

describe("the query API behind API Gateway (payload 2.0)", () => {
  it("routes by method and path, with decoded path parameters and the query string", async () => {
    const response = await apiGatewayHandler(router())(apiGatewayEvent("GET", "/api/echo/fs%2D1?limit=5"));
    expect(response).toEqual({
      statusCode: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "fs-1", limit: "5" }),
      isBase64Encoded: false,
    });
  });

  it("parses JSON bodies, base64-encoded or not, and keeps the raw bytes", async () => {
    const onCall = vi.fn();
    const handler = apiGatewayHandler(router(onCall));
    const json = JSON.stringify({ thing: "fs-1" });
    for (const body of [json, Buffer.from(json).toString("base64")]) {
      const response = await handler(
        apiGatewayEvent("POST", "/api/echo", {
          body,
          base64: body !== json,
          headers: { "content-type": "application/json" },
        }),
      );
      expect(response.statusCode).toBe(201);
      expect(JSON.parse(response.body as string)).toEqual({ got: { thing: "fs-1" } });
    }
    expect(onCall.mock.calls.map(([request]) => request.rawBody.toString())).toEqual([json, json]);
  });

  it("answers binary bodies base64-encoded", async () => {
    const response = await apiGatewayHandler(router())(apiGatewayEvent("GET", "/api/bytes"));
    expect(response).toMatchObject({ statusCode: 200, isBase64Encoded: true, body: "AAEC/w==" });
  });

  it("answers 404 and 405 with the error shape of docs/reference/api.md", async () => {
    const handler = apiGatewayHandler(router());
    const missing = await handler(apiGatewayEvent("GET", "/api/missing"));
    expect(missing.statusCode).toBe(404);
    expect(JSON.parse(missing.body as string)).toEqual({
      error: { code: "NOT_FOUND", message: "no such thing" },
    });
    const noRoute = await handler(apiGatewayEvent("GET", "/api/nowhere"));
    expect(noRoute.statusCode).toBe(404);
    const wrongMethod = await handler(apiGatewayEvent("DELETE", "/api/echo"));
    expect(wrongMethod.statusCode).toBe(405);
    expect(JSON.parse(wrongMethod.body as string).error.code).toBe("METHOD_NOT_ALLOWED");
  });

  it("hides what broke from the client and tells the operator", async () => {
    const onError = vi.fn();
    const response = await apiGatewayHandler(router(vi.fn(), { onError }))(
      apiGatewayEvent("GET", "/api/broken"),
    );
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain("secret");
    expect(onError).toHaveBeenCalledWith(
      expect.objectContaining({ message: "secret internals at line 42" }),
      {
        method: "GET",
        path: "/api/broken",
      },
    );
  });

  it("needs the bearer token for everything but /healthz when one is set", async () => {
    const handler = apiGatewayHandler(router(vi.fn(), { apiToken: "flt-api-secret" }));
    expect((await handler(apiGatewayEvent("GET", "/healthz"))).statusCode).toBe(200);
    const refused = await handler(apiGatewayEvent("GET", "/api/echo/x"));
    expect(refused.statusCode).toBe(401);
    expect(JSON.parse(refused.body as string).error.code).toBe("UNAUTHORIZED");
    expect(
      (await handler(apiGatewayEvent("GET", "/api/echo/x", { headers: { authorization: "Bearer wrong" } })))
        .statusCode,
    ).toBe(401);
    const allowed = await handler(
      apiGatewayEvent("GET", "/api/echo/x", { headers: { authorization: "Bearer flt-api-secret" } }),
    );
    expect(allowed.statusCode).toBe(200);
  });

  it("takes the caller's role from the Lambda authorizer's context when the token was checked in front of it", async () => {
    const onCall = vi.fn();
    const handler = apiGatewayHandler(router(onCall, { roleOf: authorizerRole }));
    const as = (role: string | undefined, method: string, path: string) => {
      const event = apiGatewayEvent(method, path, method === "POST" ? { body: "{}" } : {});
      if (role !== undefined) Object.assign(event.requestContext, { authorizer: { lambda: { role } } });
      return handler(event);
    };
    expect((await as(undefined, "GET", "/healthz")).statusCode).toBe(200);
    expect((await as("operator", "POST", "/api/echo")).statusCode).toBe(201);
    expect((await as("viewer", "GET", "/api/echo/x")).statusCode).toBe(200);
    const write = await as("viewer", "POST", "/api/echo");
    expect(write.statusCode).toBe(403);
    expect(JSON.parse(write.body as string).error.code).toBe("FORBIDDEN");
    for (const role of ["none", undefined]) {
      const refused = await as(role, "GET", "/api/echo/x");
      expect(refused.statusCode).toBe(401);
      expect(JSON.parse(refused.body as string).error.code).toBe("UNAUTHORIZED");
    }
    // A token sent to the function itself counts for nothing: only the authorizer's word does.
    const event = apiGatewayEvent("GET", "/api/echo/x", { headers: { authorization: "Bearer anything" } });
    expect((await handler(event)).statusCode).toBe(401);
    expect(onCall).toHaveBeenCalledTimes(1);
  });
});
