import { apiGatewayHandler } from "@fleetline/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiGatewayEvent } from "../../api/test/api-gateway-event.js";
import type { Runtime } from "../src/runtime/runtime.js";
import { startRuntime } from "./helpers.js";

let runtime: Runtime;
beforeAll(async () => {
  runtime = await startRuntime();
}, 60_000);
afterAll(() => runtime.stop());

interface Call {
  method: string;
  path: string;
  body?: string;
}

/** The same request through the local HTTP server and through the API Gateway adapter. */
async function both(call: Call): Promise<Array<{ status: number; body: unknown }>> {
  const url = new URL(call.path, runtime.urls.http);
  const init = { method: call.method, headers: { "content-type": "application/json" } };
  const http = await fetch(url, call.body === undefined ? init : { ...init, body: call.body });
  const text = await http.text();
  const gateway = await apiGatewayHandler(runtime.probe.app())(
    apiGatewayEvent(call.method, `${url.pathname}${url.search}`, {
      headers: { "content-type": "application/json" },
      ...(call.body === undefined ? {} : { body: call.body }),
    }),
  );
  return [
    { status: http.status, body: text ? JSON.parse(text) : undefined },
    { status: gateway.statusCode ?? 0, body: gateway.body ? JSON.parse(gateway.body) : undefined },
  ];
}

describe("the query API answers alike on the local server and behind API Gateway", () => {
  it.each<Call>([
    { method: "GET", path: "/healthz" },
    { method: "GET", path: "/api/stats" },
    { method: "GET", path: "/api/devices" },
    { method: "GET", path: "/api/devices/fs-nobody" },
    { method: "GET", path: "/api/devices/fs-nobody/telemetry?metric=co2Kpa" },
    { method: "GET", path: "/api/alerts?status=sleeping" },
    { method: "GET", path: "/api/rejected?limit=0" },
    { method: "POST", path: "/api/things", body: "{not json" },
    { method: "POST", path: "/api/things", body: JSON.stringify({ thing: "bad name", type: "robot" }) },
    { method: "POST", path: "/api/alerts/no-such-alert/ack" },
    { method: "PUT", path: "/api/stats" },
    { method: "GET", path: "/api/nowhere" },
  ])("$method $path", async (call) => {
    const [local, gateway] = await both(call);
    expect(gateway).toEqual(local);
  });

  it("shares state: a thing registered through one is listed and deleted through the other", async () => {
    const created = await apiGatewayHandler(runtime.probe.app())(
      apiGatewayEvent("POST", "/api/things", { body: JSON.stringify({ thing: "rb-parity", type: "robot" }) }),
    );
    expect(created.statusCode).toBe(201);
    expect(JSON.parse(created.body as string)).toMatchObject({
      thing: "rb-parity",
      type: "robot",
      token: expect.any(String),
    });
    const [local] = await both({ method: "GET", path: "/api/things" });
    expect(local?.body).toEqual([
      { thing: "rb-parity", type: "robot", createdAt: expect.any(Number), connected: false },
    ]);
    const removed = await fetch(new URL("/api/things/rb-parity", runtime.urls.http), { method: "DELETE" });
    expect(removed.status).toBe(204);
    const [, gateway] = await both({ method: "GET", path: "/api/things" });
    expect(gateway?.body).toEqual([]);
  });
});
