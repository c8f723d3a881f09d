import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../src/runtime/runtime.js";
import { connectDevice, faultyFreestyle, startRuntime, waitFor } from "./helpers.js";

const TOKEN = "flt-local-api-token";
const VIEWER = "flt-local-viewer-token";
let runtime: Runtime;

beforeAll(async () => {
  runtime = await startRuntime({ apiToken: TOKEN, viewerToken: VIEWER });
});
afterAll(() => runtime.stop());

const call = (path: string, init: RequestInit = {}, token = TOKEN) =>
  fetch(`${runtime.urls.http}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  });

describe("fleetline dev with --api-token", () => {
  it("guards the API, and its own alerts function still writes shadows through it", async () => {
    expect((await call("/api/stats", {}, "wrong")).status).toBe(401);
    expect((await fetch(`${runtime.urls.http}/healthz`)).status).toBe(200);
    const registered = await call("/api/things", {
      method: "POST",
      body: JSON.stringify({ thing: "fs-token-1", type: "freestyle" }),
    });
    expect(registered.status).toBe(201);
    const { token } = (await registered.json()) as { token: string };
    const device = await connectDevice(runtime.urls.mqtt, "fs-token-1", token);
    const deltas: unknown[] = [];
    await device.subscribeAsync("$aws/things/fs-token-1/shadow/update/delta", { qos: 1 });
    device.on("message", (_topic, payload) => deltas.push(JSON.parse(payload.toString()).state));
    await device.publishAsync(
      "dt/fleetline/freestyle/fs-token-1/telemetry",
      faultyFreestyle(1, [{ code: "COOLING_FAILURE", severity: "critical" }]),
      { qos: 1 },
    );
    await waitFor(() => deltas.length > 0, "the maintenance command");
    expect(deltas).toEqual([{ mode: "maintenance" }]);

    const edited = await call("/api/devices/fs-token-1/shadow", {
      method: "POST",
      body: JSON.stringify({ state: { desired: { lockedFlavors: ["cola"] } } }),
    });
    expect(edited.status).toBe(200);
    await waitFor(() => deltas.length > 1, "the dashboard's edit");
    expect(deltas[1]).toMatchObject({ lockedFlavors: ["cola"] });
    await device.endAsync();
  });

  it("lets the viewer token read and refuses its writes with 403", async () => {
    expect((await call("/api/things", {}, VIEWER)).status).toBe(200);
    const write = await call(
      "/api/things",
      { method: "POST", body: JSON.stringify({ thing: "fs-token-viewer", type: "freestyle" }) },
      VIEWER,
    );
    expect(write.status).toBe(403);
    expect(await write.json()).toMatchObject({ error: { code: "FORBIDDEN" } });
    expect(await runtime.registry.get("fs-token-viewer")).toBeUndefined();
    expect((await call("/things/fs-token-1/shadow", { method: "DELETE" }, VIEWER)).status).toBe(403);
  });
});
