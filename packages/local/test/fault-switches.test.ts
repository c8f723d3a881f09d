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

  it("answers the next shadow update 409 on …/update/rejected, acknowledged and not applied; the one after applies", async () => {
    const { token } = await runtime.registry.register("fs-conflict", "freestyle");
    const client = await connectDevice(runtime.urls.mqtt, "fs-conflict", token);
    const rejected: Array<Record<string, unknown>> = [];
    client.on("message", (topic, payload) => {
      if (topic.endsWith("/update/rejected")) rejected.push(JSON.parse(payload.toString()));
    });
    await client.subscribeAsync("$aws/things/fs-conflict/shadow/update/rejected", { qos: 1 });
    await api("/api/broker/faults/fs-conflict", "PUT", { conflictShadowUpdates: 1 });
    const update = (mode: string, clientToken: string) =>
      client.publishAsync(
        "$aws/things/fs-conflict/shadow/update",
        JSON.stringify({ state: { reported: { mode } }, clientToken }),
        { qos: 1 },
      );
    await update("maintenance", "first");
    await waitFor(() => rejected.length === 1, "the 409");
    expect(rejected[0]).toMatchObject({ code: 409, message: "Version conflict", clientToken: "first" });
    const shadow = await api("/things/fs-conflict/shadow", "GET");
    expect(shadow.status).toBe(404);
    await update("normal", "second");
    await waitFor(async () => (await api("/things/fs-conflict/shadow", "GET")).status === 200, "the update");
    expect(rejected).toHaveLength(1);
    await client.endAsync();
  });

  it("streams what the broker sees a client do, as server-sent events", async () => {
    const { token } = await runtime.registry.register("fs-observed", "freestyle");
    const stop = new AbortController();
    const response = await fetch(`${runtime.urls.http}/api/broker/observations/fs-observed`, {
      signal: stop.signal,
    });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events: Array<{ event: string; data: Record<string, unknown> }> = [];
    const reading = (async () => {
      let text = "";
      for await (const chunk of response.body as ReadableStream<Uint8Array>) {
        text += new TextDecoder().decode(chunk);
        for (let end = text.indexOf("\n\n"); end >= 0; end = text.indexOf("\n\n")) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
      }
    })().catch(() => undefined);
    await waitFor(() => events.length > 0, "the first event");
    expect(events[0]).toEqual({ event: "watching", data: { clientId: "fs-observed", connected: false } });
    const client = await connectDevice(runtime.urls.mqtt, "fs-observed", token);
    await client.publishAsync("dt/fleetline/freestyle/fs-observed/telemetry", "{}", { qos: 1 });
    await client.endAsync();
    const kinds = () => events.filter((e) => e.event === "observed").map((e) => e.data.kind);
    await waitFor(() => kinds().includes("disconnect"), "the disconnect observed");
    expect(kinds()).toEqual(["connect-attempt", "connect", "publish", "disconnect"]);
    const publish = events.find((e) => e.data.kind === "publish")?.data;
    expect(publish).toMatchObject({
      topic: "dt/fleetline/freestyle/fs-observed/telemetry",
      qos: 1,
      dup: false,
    });
    expect(Buffer.from(String(publish?.payload), "base64").toString()).toBe("{}");
    stop.abort();
    await reading;
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
