import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { Database } from "@fleetline/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type DevProcess, startDev } from "../../packages/cli/test/dev-process.js";
import { tempDir, waitFor } from "../../packages/local/test/helpers.js";
import {
  announcePublish,
  closed,
  connectPacket,
  device,
  granted,
  holdConnections,
  portOf,
  raw,
  statusOf,
} from "./probes.js";

/**
 * The local runtime as an attacker on the same machine finds it, with its defaults: every probe is
 * refused and the runtime keeps serving; devices cannot reach each other; no secret is logged.
 * The runtime runs as a real `fleetline dev` process, logging at DEBUG.
 */
let dir: Awaited<ReturnType<typeof tempDir>>;
let dev: DevProcess;
const secrets: string[] = [];
const started: DevProcess[] = [];

async function start(args: string[], options: Parameters<typeof startDev>[2] = {}): Promise<DevProcess> {
  const process = await startDev(args, 60_000, {
    ...options,
    env: { POWERTOOLS_LOG_LEVEL: "DEBUG", ...options.env },
  });
  started.push(process);
  return process;
}

function call(path: string, init: RequestInit & { headers?: Record<string, string> } = {}, process = dev) {
  return fetch(`${process.http}${path}`, {
    ...init,
    headers: { "content-type": "application/json", ...init.headers },
  });
}

async function register(thing: string, process = dev): Promise<string> {
  const response = await call(
    "/api/things",
    { method: "POST", body: JSON.stringify({ thing, type: "freestyle" }) },
    process,
  );
  const { token } = (await response.json()) as { token: string };
  secrets.push(token);
  return token;
}

async function healthy(process = dev): Promise<boolean> {
  // A connection the kernel had no descriptor for is refused: that is an answer, "not yet".
  return fetch(`${process.http}/healthz`).then(
    (response) => response.status === 200,
    () => false,
  );
}

let tokenA: string;

beforeAll(async () => {
  dir = await tempDir("security");
  dev = await start(["--data-dir", join(dir.path, "data")]);
  tokenA = await register("fs-sec-a");
  // B exists, with a token nobody here uses: A must never pass for it.
  await register("fs-sec-b");
}, 90_000);

afterAll(async () => {
  for (const process of started) if (process.child.exitCode === null) await process.stop("SIGKILL");
  await dir.remove();
});

describe("devices cannot impersonate or reach each other", () => {
  it("refuses A's token for B, and a client id that is not the thing's", async () => {
    await expect(device(dev.mqtt, "fs-sec-b", tokenA)).rejects.toMatchObject({ code: 4 });
    await expect(device(dev.mqtt, "fs-sec-a", tokenA, { clientId: "fs-sec-b" })).rejects.toMatchObject({
      code: 2,
    });
    await expect(device(dev.mqtt, "fs-sec-nobody", tokenA)).rejects.toMatchObject({ code: 4 });
  });

  it("disconnects A for publishing on B's telemetry or B's shadow, and B's shadow stays untouched", async () => {
    for (const topic of ["dt/fleetline/freestyle/fs-sec-b/telemetry", "$aws/things/fs-sec-b/shadow/update"]) {
      const a = await device(dev.mqtt, "fs-sec-a", tokenA);
      const gone = closed(a);
      a.publish(topic, JSON.stringify({ state: { desired: { mode: "hijacked" } } }), { qos: 1 });
      await gone;
    }
    expect((await call("/things/fs-sec-b/shadow")).status).toBe(404);
  });

  it("answers SUBACK 0x80 to every subscription beyond A's own topics", async () => {
    const a = await device(dev.mqtt, "fs-sec-a", tokenA);
    for (const filter of [
      "#",
      "+/#",
      "dt/#",
      "dt/fleetline/freestyle/+/telemetry",
      "$aws/things/+/shadow/#",
      "$aws/things/fs-sec-b/shadow/get/accepted",
      "alerts/fleetline/freestyle/fs-sec-b",
      "$SYS/#",
    ]) {
      expect([filter, await granted(a, filter)]).toEqual([filter, 128]);
    }
    await a.endAsync();
  });

  it("cuts off a revoked device and refuses its token afterwards", async () => {
    const token = await register("fs-sec-revoked");
    const client = await device(dev.mqtt, "fs-sec-revoked", token);
    const gone = closed(client);
    expect((await call("/api/things/fs-sec-revoked", { method: "DELETE" })).status).toBe(204);
    await gone;
    await expect(device(dev.mqtt, "fs-sec-revoked", token)).rejects.toMatchObject({ code: 4 });
  });
});

describe("every probe is refused and the runtime keeps serving", () => {
  const http = () => portOf(dev.http);

  it("answers a malformed request line, a bad percent-encoding and a deeply nested body with 400", async () => {
    expect(
      statusOf(await raw(http(), "GET //[ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")),
    ).toBe(400);
    expect(
      statusOf(
        await raw(
          http(),
          "GET /api/devices/%E0%A4%A HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        ),
      ),
    ).toBe(400);
    expect(
      statusOf(await raw(http(), "GET /%zz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")),
    ).toBe(400);
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const nested = await call("/api/things", { method: "POST", body: deep });
    expect(nested.status).toBe(400);
    expect(await nested.json()).toMatchObject({ error: { code: "INVALID_BODY" } });
    expect(await healthy()).toBe(true);
  });

  it("refuses what a web page could send cross-site: form and text bodies, Sec-Fetch-Site cross-site", async () => {
    // The shadow as stored: its state, metadata and version — not the reply's own `timestamp`,
    // which is the time of the GET and moves on between two reads.
    const shadow = async () => {
      const response = await call("/things/fs-sec-a/shadow");
      const text = await response.text();
      const { timestamp: _readAt, ...stored } = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      return { status: response.status, stored };
    };
    const before = await shadow();
    for (const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
    ]) {
      const response = await call("/things/fs-sec-a/shadow", {
        method: "POST",
        headers: { "content-type": type },
        body: JSON.stringify({ state: { desired: { mode: "csrf" } } }),
      });
      expect([type, response.status]).toEqual([type, 415]);
    }
    const noType = await fetch(`${dev.http}/topics/anything`, { method: "POST" });
    expect(noType.status).toBe(415);
    const crossSite = await call("/things/fs-sec-a/shadow", {
      method: "POST",
      headers: { "sec-fetch-site": "cross-site" },
      body: JSON.stringify({ state: { desired: { mode: "csrf" } } }),
    });
    expect(crossSite.status).toBe(403);
    // None of them touched the shadow (whether or not another case gave the thing one).
    expect(await shadow()).toEqual(before);
  });

  it("refuses a Host name the runtime does not serve (DNS rebinding)", async () => {
    for (const path of ["/api/things", "/", "/things/fs-sec-a/shadow"]) {
      const answer = await raw(
        http(),
        `GET ${path} HTTP/1.1\r\nHost: evil.example:${http()}\r\nConnection: close\r\n\r\n`,
      );
      expect([path, statusOf(answer)]).toEqual([path, 403]);
    }
    expect(
      statusOf(await raw(http(), "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")),
    ).toBe(200);
  });

  it("refuses REST publishes to reserved or malformed topics and over 128 KB", async () => {
    const publish = (topic: string, body: Uint8Array | string = "{}") =>
      call(`/topics/${encodeURIComponent(topic)}?qos=1`, { method: "POST", body });
    expect((await publish("$SYS/broker/clients")).status).toBe(403);
    expect((await publish("$aws/events/presence/connected/fs-sec-a")).status).toBe(403);
    expect((await publish("a/b\u0000c")).status).toBe(400);
    expect((await publish("a/+/c")).status).toBe(400);
    expect((await publish("a/b/c/d/e/f/g/h/i")).status).toBe(400);
    expect((await publish("x".repeat(300))).status).toBe(400);
    expect(
      (await publish("dt/fleetline/freestyle/fs-sec-a/telemetry", new Uint8Array(128 * 1024 + 1))).status,
    ).toBe(413);
    expect((await publish("dt/fleetline/freestyle/fs-sec-a/telemetry")).status).toBe(200);
  });

  it("disconnects a device that publishes with retain on a reserved topic, and keeps nothing retained", async () => {
    const a = await device(dev.mqtt, "fs-sec-a", tokenA);
    const gone = closed(a);
    a.publish("$aws/things/fs-sec-a/shadow/update", JSON.stringify({ state: { reported: { x: 1 } } }), {
      qos: 1,
      retain: true,
    });
    await gone;
    const again = await device(dev.mqtt, "fs-sec-a", tokenA);
    const received: unknown[] = [];
    again.on("message", (_topic, payload) => received.push(JSON.parse(payload.toString()).state));
    await again.subscribeAsync("$aws/things/fs-sec-a/shadow/update/accepted", { qos: 1 });
    // A retained message would be delivered on subscribing, before anything published after it.
    await again.publishAsync(
      "$aws/things/fs-sec-a/shadow/update",
      JSON.stringify({ state: { reported: { marker: 1 } } }),
      { qos: 1 },
    );
    await waitFor(() => received.length > 0, "the accepted update");
    expect(received).toEqual([{ reported: { marker: 1 } }]);
    await again.endAsync();
  });

  it("refuses a shadow name AWS would not accept on MQTT too, storing nothing under it", async () => {
    const a = await device(dev.mqtt, "fs-sec-a", tokenA);
    const rejections: unknown[] = [];
    const name = "n".repeat(65);
    a.on("message", (_topic, payload) => rejections.push(JSON.parse(payload.toString())));
    await a.subscribeAsync(`$aws/things/fs-sec-a/shadow/name/${name}/update/rejected`, { qos: 1 });
    await a.publishAsync(
      `$aws/things/fs-sec-a/shadow/name/${name}/update`,
      JSON.stringify({ state: { reported: { x: 1 } } }),
      {
        qos: 1,
      },
    );
    await waitFor(() => rejections.length === 1, "the rejection");
    expect(rejections[0]).toMatchObject({ code: 400, message: "Invalid shadow name" });
    const listed = (await (await call("/api/things/shadow/ListNamedShadowsForThing/fs-sec-a")).json()) as {
      results: string[];
    };
    expect(listed.results).toEqual([]);
    await a.endAsync();
  });

  it("hangs up on a PUBLISH announcing 200 MB as soon as its length is read", async () => {
    expect(await announcePublish(portOf(dev.mqtt), "fs-sec-a", tokenA, 200 * 1024 * 1024)).toBe("closed");
    expect(await healthy()).toBe(true);
  });

  it("closes a WebSocket that sends a frame over the limit", async () => {
    const ws = dev.ready.ws as string;
    const socket = new WebSocket(ws, "mqtt");
    socket.on("error", () => undefined);
    await new Promise((resolve) => socket.once("open", resolve));
    const code = await new Promise<number>((resolve) => {
      socket.once("close", (closeCode) => resolve(closeCode));
      socket.send(Buffer.alloc(1024 * 1024));
    });
    expect(code).toBe(1009);
    expect(await healthy()).toBe(true);
  });
});

describe("limits, exhaustion and exposure", () => {
  it("closes connections beyond --max-connections at once", async () => {
    const limited = await start(["--in-memory", "--max-connections", "3"]);
    const port = portOf(limited.mqtt);
    const admitted = (await holdConnections(port, 3)) as Socket[];
    const [extra] = (await holdConnections(port, 1)) as Socket[];
    await new Promise<void>((resolve) => extra?.once("close", () => resolve()));
    // The three admitted are still served: each gets the broker's CONNACK to a CONNECT.
    const connacks = admitted.map(
      (socket) =>
        new Promise<number>((resolve) => {
          socket.once("data", (chunk: Buffer) => resolve(chunk[0] ?? 0));
          socket.write(connectPacket("fs-sec-limit", "not-a-token"));
        }),
    );
    expect(await Promise.all(connacks)).toEqual([0x20, 0x20, 0x20]);
    for (const socket of [...admitted, extra]) socket?.destroy();
    await waitFor(() => /connection-limit/.test(limited.output()), "the refusal in the log");
    await limited.stop();
  });

  it("keeps serving when it runs out of file descriptors", async () => {
    const starved = await start(["--in-memory"], {
      command: ["bash", "-c", 'ulimit -n 120 && exec "$0" "$@"', process.execPath],
    });
    for (const url of [starved.mqtt, starved.ready.ws as string, starved.http]) {
      // More connections than the process has file descriptors, held open together, then let go.
      const sockets = await holdConnections(portOf(url), 150);
      expect(sockets).toHaveLength(150);
      for (const socket of sockets) socket?.destroy();
    }
    await waitFor(() => healthy(starved), "the runtime to serve again");
    expect(starved.child.exitCode).toBeNull();
    await starved.stop();
  });

  it("keeps the Kinesis API on loopback when devices and the API listen beyond it", async () => {
    const apiToken = "flt-security-api-token-0123456789";
    secrets.push(apiToken);
    const exposed = await start(["--in-memory", "--host", "0.0.0.0"], {
      env: { FLEETLINE_API_TOKEN: apiToken },
    });
    expect(exposed.ready.kinesis).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await waitFor(
      () => exposed.output().includes("the Kinesis API stays on 127.0.0.1"),
      "the note on stderr",
    );
    const outside = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && address.family === "IPv4" && !address.internal)?.address;
    if (outside) {
      const kinesis = portOf(exposed.ready.kinesis as string);
      const [reached] = await holdConnections(kinesis, 1);
      expect(reached).not.toBeNull();
      reached?.destroy();
      const reach = await new Promise<string>((resolve) => {
        const socket = connect(kinesis, outside);
        socket.once("connect", () => resolve("reachable"));
        socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
      });
      expect(reach).toBe("ECONNREFUSED");
    }
    expect((await fetch(`${exposed.http.replace("0.0.0.0", "127.0.0.1")}/api/things`)).status).toBe(401);
    await exposed.stop();
  });
});

describe("secrets", () => {
  it("keeps device tokens hashed in the registry and logs no token or secret", async () => {
    // A runtime of its own, stopped at the end so its data dir can be read whole.
    const own = await tempDir("security-secrets");
    try {
      const logged = await start(["--data-dir", join(own.path, "data")]);
      const tokenC = await register("fs-sec-c", logged);
      const tokenD = await register("fs-sec-d", logged);
      const c = await device(logged.mqtt, "fs-sec-c", tokenC);
      await c.publishAsync(
        "$aws/things/fs-sec-c/shadow/update",
        JSON.stringify({ state: { reported: { fan: 1 } } }),
        {
          qos: 1,
        },
      );
      await c.endAsync();
      await expect(device(logged.mqtt, "fs-sec-d", tokenC)).rejects.toMatchObject({ code: 4 });
      expect(await logged.stop()).toBe(0);
      const output = started.map((process) => process.output()).join("\n");
      for (const secret of secrets) expect(output).not.toContain(secret);
      const data = join(own.path, "data");
      const db = await Database.open(join(data, "fleetline.duckdb"));
      try {
        const rows = await db.all<{ thing: string; token_hash: string }>(
          "SELECT thing, token_hash FROM things ORDER BY thing",
        );
        expect(rows.map((row) => row.token_hash)).toEqual(
          [tokenC, tokenD].map((token) => createHash("sha256").update(token).digest("hex")),
        );
      } finally {
        await db.close();
      }
      for (const file of await readdir(data, { recursive: true })) {
        const bytes = await readFile(join(data, file)).catch(() => Buffer.alloc(0));
        for (const secret of secrets) expect(bytes.includes(secret)).toBe(false);
      }
    } finally {
      await own.remove();
    }
  }, 90_000);
});
