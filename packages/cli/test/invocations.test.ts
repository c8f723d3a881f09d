import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { hold, settle, waitFor } from "@fleetline/testing";
import {
  generatedPositionFor,
  LEAST_UPPER_BOUND,
  originalPositionFor,
  TraceMap,
} from "@jridgewell/trace-mapping";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevProcess, fleetline, freestyleTelemetry, startDev } from "./dev-process.js";
import { inspectorSession } from "./inspector-session.js";

let dev: DevProcess;

/** Registers a dispenser with the running runtime and connects it with its token. */
async function connectedDevice(thing: string) {
  const { token } = JSON.parse(
    fleetline(["devices", "add", thing, "--type", "freestyle", "--url", dev.http, "--json"]).out,
  );
  return mqtt.connectAsync(dev.mqtt, { clientId: thing, username: thing, password: token });
}

beforeAll(async () => {
  // The handlers' logs at INFO, as `fleetline dev` has them by default.
  dev = await startDev(["--in-memory", "--inspect=0"], 60_000, { env: { POWERTOOLS_LOG_LEVEL: "INFO" } });
  const device = await connectedDevice("fs-console");
  for (let seq = 1; seq <= 5; seq++)
    await device.publishAsync(
      "dt/fleetline/freestyle/fs-console/telemetry",
      freestyleTelemetry(seq, Date.now()),
      {
        qos: 1,
      },
    );
  // One the validate function rejects, so its invocation logs the reason.
  await device.publishAsync("dt/fleetline/freestyle/fs-console/telemetry", "{not json", { qos: 1 });
  await device.endAsync();
  await settle(dev.http);
}, 60_000);

afterAll(async () => {
  await dev?.stop();
});

interface Summary {
  id: string;
  functionName: string;
  status: string;
  batchSize?: number;
  logLines: number;
  replayOf?: string;
}

const get = async <T>(path: string): Promise<{ status: number; body: T; next: string | null }> => {
  const response = await fetch(`${dev.http}${path}`);
  return {
    status: response.status,
    body: (await response.json()) as T,
    next: response.headers.get("x-next-cursor"),
  };
};

describe("the invocation console of fleetline dev", () => {
  it("lists every function's invocations with their batches, and one with its event and logs", async () => {
    await settle(dev.http);
    const { body: stored } = await get<Array<Summary & { trigger: string }>>(
      "/api/invocations?function=store&limit=1000",
    );
    const stats = (await get<{ stored: number }>("/api/stats")).body;
    // Every stored report came through a batch of the store function's event source.
    const batches = stored.filter((s) => s.trigger === "kinesis");
    expect(batches.reduce((n, s) => n + (s.batchSize ?? 0), 0)).toBe(stats.stored);
    expect(stored.every((s) => s.functionName === "store" && s.status === "ok")).toBe(true);
    const { body: validated } = await get<Summary[]>("/api/invocations?function=validate");
    const logged = validated.find((s) => s.logLines > 0);
    expect(logged).toBeDefined();
    const { body: one } = await get<{ event: { Records: unknown[] }; logs: Array<{ line: string }> }>(
      `/api/invocations/${logged?.id}`,
    );
    expect(one.event.Records.length).toBe(logged?.batchSize);
    expect(one.logs.some((log) => log.line.includes("MALFORMED_JSON"))).toBe(true);
    const { body: functions } = await get<Array<{ name: string; invocations: number }>>("/api/functions");
    expect(functions.map((f) => f.name)).toEqual([
      "validate",
      "store",
      "alerts",
      "confirm",
      "presence",
      "provisioningHook",
      "sweep",
    ]);
    expect(functions.find((f) => f.name === "store")?.invocations).toBe(stored.length);
  });

  it("pages newest first, and refuses an unknown function, status or invocation", async () => {
    const first = await get<Summary[]>("/api/invocations?limit=1");
    expect(first.body).toHaveLength(1);
    const second = await get<Summary[]>(`/api/invocations?limit=1&cursor=${first.next}`);
    expect((second.body[0]?.id as string) < (first.body[0]?.id as string)).toBe(true);
    expect((await get("/api/invocations?function=nope")).status).toBe(400);
    expect((await get("/api/invocations?status=bogus")).status).toBe(400);
    expect((await get("/api/invocations/nope")).status).toBe(404);
  });

  it("prints the invocations and their log lines with fleetline logs, as JSON lines with --json", () => {
    const text = fleetline(["logs", "--url", dev.http, "--function", "validate"]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/ validate shardId-\d+ ×\d+ ok [\d.]+ ms \[/);
    expect(text.out).toContain("MALFORMED_JSON");
    const json = fleetline(["logs", "--url", dev.http, "--json", "--limit", "3"]);
    const lines = json.out
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Summary);
    expect(lines).toHaveLength(3);
    expect(lines.every((line) => typeof line.id === "string")).toBe(true);
  });

  it("replays a recorded invocation as a new one beside it, storing nothing twice", async () => {
    const { body: stored } = await get<Summary[]>("/api/invocations?function=store&limit=1");
    const before = (await get<{ stored: number; duplicates: number }>("/api/stats")).body;
    const replayed = fleetline(["replay", stored[0]?.id as string, "--url", dev.http]);
    expect(replayed.code).toBe(0);
    expect(replayed.out).toContain(`store replay of ${stored[0]?.id}`);
    const { body: after } = await get<Summary[]>("/api/invocations?function=store&limit=1");
    expect(after[0]?.replayOf).toBe(stored[0]?.id);
    const stats = (await get<{ stored: number; duplicates: number }>("/api/stats")).body;
    expect(stats.stored).toBe(before.stored);
  });

  it.each([
    [["replay", "nope"], 1, "no invocation nope"],
    [["replay"], 2, "the id argument is required (e.g. fleetline replay mh3k2x1c-00002a)"],
    [["logs", "--function", "nope"], 1, 'no function named "nope"'],
    [["logs", "--limit", "none"], 2, "--limit"],
  ])("answers fleetline %j in one line, exit %i", (args, code, message) => {
    const result = fleetline([...args, "--url", dev.http]);
    expect(result.code).toBe(code);
    expect(result.err.trim().split("\n")).toHaveLength(1);
    expect(result.err).toContain(message);
  });
});

/** How long the runtime stays paused in the debugger, as a developer stepping through a batch keeps it. */
const PAUSED_MS = 2_000;

describe("fleetline dev --inspect", () => {
  it("opens the inspector; while the runtime is paused in it nothing times out, and everything sent is stored", async () => {
    const url = /debugger listening on (ws:\/\/\S+);/.exec(dev.output())?.[1];
    expect(url).toBeDefined();
    const before = (await get<{ stored: number; deadLettered: number }>("/api/stats")).body;
    const device = await connectedDevice("fs-paused");
    const inspector = await inspectorSession(url as string);
    const { send } = inspector;
    try {
      await send("Debugger.enable");
      // Reports in flight when the developer stops the runtime: the broker, rule and functions wait.
      const sent = Array.from({ length: 20 }, (_, i) =>
        device.publishAsync(
          "dt/fleetline/freestyle/fs-paused/telemetry",
          freestyleTelemetry(i + 1, Date.now()),
          {
            qos: 1,
          },
        ),
      );
      await send("Debugger.pause");
      await waitFor(() => inspector.events("Debugger.paused").length > 0, "the runtime to pause");
      // Held paused past what a batch would take, while the messages wait.
      await hold(PAUSED_MS);
      await send("Debugger.resume");
      await Promise.all(sent);
    } finally {
      inspector.close();
      await device.endAsync();
    }
    await settle(dev.http);
    const after = (await get<{ stored: number; deadLettered: number }>("/api/stats")).body;
    expect(after.stored - before.stored).toBe(20);
    expect(after.deadLettered).toBe(before.deadLettered);
  });

  it("stops at a breakpoint set on a line of a handler's TypeScript source, through its source map", async () => {
    const url = /debugger listening on (ws:\/\/\S+);/.exec(dev.output())?.[1];
    const inspector = await inspectorSession(url as string);
    const { send } = inspector;
    const device = await connectedDevice("fs-breakpoint");
    try {
      await send("Debugger.enable");
      // Every stream function's batch passes this line of the handlers' shared source.
      const source = fileURLToPath(
        new URL("../../functions/src/handlers/batch-response.ts", import.meta.url),
      );
      const line =
        (await readFile(source, "utf8"))
          .split("\n")
          .findIndex((l) => l.includes("const outcome = await useCase(")) + 1;
      const script = inspector
        .events<{ scriptId: string; url: string; sourceMapURL?: string }>("Debugger.scriptParsed")
        .find((s) => s.url.endsWith("/functions/src/handlers/batch-response.ts"));
      expect(script?.sourceMapURL).toMatch(/^data:application\/json/);
      const map = new TraceMap(
        JSON.parse(Buffer.from((script?.sourceMapURL ?? "").split(",")[1] ?? "", "base64").toString("utf8")),
      );
      const generated = generatedPositionFor(map, {
        source: map.sources[0] as string,
        line,
        column: 0,
        bias: LEAST_UPPER_BOUND,
      });
      const { breakpointId } = await send<{ breakpointId: string }>("Debugger.setBreakpoint", {
        location: {
          scriptId: script?.scriptId,
          lineNumber: (generated.line as number) - 1,
          columnNumber: generated.column,
        },
      });
      const before = (await get<{ stored: number; deadLettered: number }>("/api/stats")).body;
      const sent = device.publishAsync(
        "dt/fleetline/freestyle/fs-breakpoint/telemetry",
        freestyleTelemetry(1, Date.now()),
        {
          qos: 1,
        },
      );
      const paused = await waitFor(
        () =>
          inspector.events<{
            callFrames: Array<{ location: { scriptId: string; lineNumber: number; columnNumber: number } }>;
          }>("Debugger.paused")[0],
        "the breakpoint to be hit",
      );
      const frame = paused.callFrames[0];
      expect(frame?.location.scriptId).toBe(script?.scriptId);
      // Mapped back, the paused position is the TypeScript line the breakpoint was set on.
      expect(
        originalPositionFor(map, {
          line: (frame?.location.lineNumber as number) + 1,
          column: frame?.location.columnNumber as number,
        }).line,
      ).toBe(line);
      await send("Debugger.removeBreakpoint", { breakpointId });
      await send("Debugger.resume");
      await sent;
      await settle(dev.http);
      const after = (await get<{ stored: number; deadLettered: number }>("/api/stats")).body;
      expect(after.stored - before.stored).toBe(1);
      expect(after.deadLettered).toBe(before.deadLettered);
    } finally {
      inspector.close();
      await device.endAsync();
    }
  });
});
