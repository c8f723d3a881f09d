import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../src/runtime/runtime.js";
import { closed, connectDevice, startRuntime, waitFor } from "./helpers.js";

let runtime: Runtime;

beforeAll(async () => {
  runtime = await startRuntime();
});

afterAll(async () => {
  await runtime?.stop();
});

const api = (path: string, method: string, body?: unknown) =>
  fetch(`${runtime.urls.http}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe("the broker's fault switches, on the API", () => {
  it("refuses the next CONNECTs, withholds a PUBACK, and drops a connection as a network would", async () => {
    const { token } = await runtime.registry.register("fs-faults", "freestyle");
    expect((await api("/api/broker/faults/fs-faults", "PUT", { refuseConnects: 1 })).status).toBe(200);
    await expect(connectDevice(runtime.urls.mqtt, "fs-faults", token)).rejects.toThrow(/Server unavailable/i);
    const client = await connectDevice(runtime.urls.mqtt, "fs-faults", token);

    await api("/api/broker/faults/fs-faults", "PUT", {
      withholdPubacks: 1,
      withholdPubacksOn: "dt/fleetline/freestyle/fs-faults/telemetry",
    });
    let acked = 0;
    client.publish("dt/fleetline/freestyle/fs-faults/telemetry", "{}", { qos: 1 }, () => {
      acked += 1;
    });
    client.publish("$aws/things/fs-faults/shadow/get", "{}", { qos: 1 }, () => {
      acked += 1;
    });
    // The shadow request is acknowledged; the telemetry, withheld, is not.
    await waitFor(() => acked === 1, "the shadow request's PUBACK");
    expect((await api("/api/broker/faults/fs-faults", "DELETE")).status).toBe(204);

    expect((await api("/api/broker/connections/fs-faults/drop", "POST")).status).toBe(204);
    await closed(client);
    expect((await api("/api/broker/connections/fs-faults/drop", "POST")).status).toBe(404);
    await client.endAsync(true);
  });

  it("says which switch is wrong, in one line", async () => {
    const unknown = await api("/api/broker/faults/x", "PUT", { dropEverything: true });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toMatch(
      /^dropEverything: is no fault switch/,
    );
    const negative = await api("/api/broker/faults/x", "PUT", { refuseConnects: -1 });
    expect(((await negative.json()) as { error: { message: string } }).error.message).toMatch(
      /^refuseConnects: must be a whole number/,
    );
  });
});
