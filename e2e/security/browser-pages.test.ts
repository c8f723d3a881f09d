import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { promisify } from "node:util";
import { KinesisClient, PutRecordCommand } from "@aws-sdk/client-kinesis";
import { STREAMS } from "@fleetline/core/pipeline";
import { telemetryEnvelope } from "@fleetline/core/redrive";
import { validate } from "@fleetline/core/telemetry";
import { settle } from "@fleetline/testing";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevProcess, freestyleTelemetry, startDev } from "../../packages/cli/test/dev-process.js";
import { tempDir, waitFor } from "../../packages/local/test/helpers.js";
import { device } from "./probes.js";

const run = promisify(execFile);

/**
 * Pages on other origins, in a real Chromium, against every port of a real `fleetline dev`: each
 * tries what a page could do to a local server — a preflighted write, a simple write that needs no
 * preflight, a WebSocket — and the runtime shows that nothing of it took effect. Each case ends
 * with the same action from a process of this machine, which does take effect: the probe is one
 * that would have seen it.
 */
let dir: Awaited<ReturnType<typeof tempDir>>;
let dev: DevProcess;
let browser: Browser;
let pages: Server;
let pagePort = 0;
let token = "";

/** The thing the pages forge records for, and the one the control case writes for. */
const THING = "fs-page-victim";
const CONTROL = "fs-page-control";

async function register(thing: string): Promise<string> {
  const response = await fetch(`${dev.http}/api/things`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ thing, type: "freestyle" }),
  });
  return ((await response.json()) as { token: string }).token;
}

beforeAll(async () => {
  dir = await tempDir("browser-pages");
  dev = await startDev(["--data-dir", join(dir.path, "data")]);
  await register(THING);
  token = await register(CONTROL);
  // The attacker's site: an empty page, on an origin of its own.
  pages = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html" });
    response.end("<!doctype html><title>elsewhere</title>");
  });
  await new Promise<void>((resolve) => pages.listen(0, "127.0.0.1", resolve));
  pagePort = (pages.address() as { port: number }).port;
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu"],
  });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => pages?.close(resolve));
  await dev?.stop();
  await dir?.remove();
});

/** The origins a page may come from: another site, and another port of this very machine. */
const ORIGINS = [
  ["another site", () => `http://attacker.localhost:${pagePort}`],
  ["another port of this machine", () => `http://127.0.0.1:${pagePort}`],
] as const;

async function pageAt(origin: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${origin}/`);
  return page;
}

/** What a page's fetch came to: the status it could read, or the browser's refusal to show one. */
function pageFetch(page: Page, url: string, init: Record<string, unknown>): Promise<string> {
  return page.evaluate(
    async ({ url, init }) => {
      try {
        const response = await fetch(url, init as RequestInit);
        return response.type === "opaque" ? "opaque" : String(response.status);
      } catch (error) {
        return `blocked: ${(error as Error).name}`;
      }
    },
    { url, init },
  );
}

const api = async <T>(path: string): Promise<T> => (await (await fetch(`${dev.http}${path}`)).json()) as T;

/** A record as validate writes it to `fleetline-validated`: here one that opens a cooling alarm. */
function forgedRecord(thing: string, seq: number): string {
  const topic = `dt/fleetline/freestyle/${thing}/telemetry`;
  const payload = freestyleTelemetry(
    seq,
    Date.now(),
    {},
    {
      faults: [{ code: "COOLING_FAILURE", severity: "critical" }],
    },
  );
  const verdict = validate(
    telemetryEnvelope({
      topic,
      payload: new TextEncoder().encode(payload),
      clientId: thing,
      receivedAt: Date.now(),
      messageId: randomUUID(),
    }),
  );
  if (!verdict.ok) throw new Error(`the forged record is not valid: ${verdict.reason}`);
  return JSON.stringify(verdict.record);
}

const alarmsOf = (thing: string) => api<Array<{ code: string }>>(`/api/alerts?thing=${thing}`);

describe.each(ORIGINS)("a page from %s", (_name, origin) => {
  it("cannot put a record on the Kinesis port, preflighted or not", async () => {
    const page = await pageAt(origin());
    const kinesis = dev.ready.kinesis as string;
    const body = JSON.stringify({
      StreamName: STREAMS.validated,
      PartitionKey: THING,
      Data: Buffer.from(forgedRecord(THING, 1)).toString("base64"),
    });
    const headers = {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "Kinesis_20131202.PutRecord",
      authorization:
        "AWS4-HMAC-SHA256 Credential=page/20261203/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=0",
      "x-amz-date": "20261203T000000Z",
    };
    expect(await pageFetch(page, kinesis, { method: "POST", headers, body })).toMatch(/^blocked/);
    // No preflight: the browser sends it, and shows the page nothing of the answer.
    expect(
      await pageFetch(page, kinesis, {
        method: "POST",
        mode: "no-cors",
        body,
        headers: { "content-type": "text/plain" },
      }),
    ).toBe("opaque");
    await page.close();
    await settle(dev.http);
    expect(await alarmsOf(THING)).toEqual([]);
  });

  it("cannot register, publish or read through the HTTP API", async () => {
    const page = await pageAt(origin());
    const register = JSON.stringify({ thing: "fs-page-made", type: "freestyle" });
    const json = { "content-type": "application/json" };
    expect(
      await pageFetch(page, `${dev.http}/api/things`, { method: "POST", headers: json, body: register }),
    ).toMatch(/^blocked/);
    expect(
      await pageFetch(page, `${dev.http}/api/things`, { method: "POST", mode: "no-cors", body: register }),
    ).toBe("opaque");
    expect(await pageFetch(page, `${dev.http}/api/things`, {})).toMatch(/^blocked/);
    // A form posts cross-origin with no preflight at all.
    await page.setContent(
      `<form method="POST" action="${dev.http}/api/things" enctype="text/plain">` +
        `<input name='{"thing":"fs-page-form","type":"freestyle","x":"' value='"}'><button>go</button></form>`,
    );
    await page.click("button");
    await page.waitForURL(`${dev.http}/api/things`);
    expect(await page.textContent("body")).toContain("CROSS_");
    await page.close();
    const things = await api<Array<{ thing: string }>>("/api/things");
    expect(things.map((thing) => thing.thing).sort()).toEqual([CONTROL, THING]);
  });

  it("cannot open an MQTT connection over the WebSocket port", async () => {
    const page = await pageAt(origin());
    const outcome = await page.evaluate(
      (url) =>
        new Promise<string>((resolve) => {
          const socket = new WebSocket(url, "mqtt");
          socket.onopen = () => resolve("open");
          socket.onerror = () => resolve("refused");
        }),
      dev.ready.ws as string,
    );
    await page.close();
    expect(outcome).toBe("refused");
  });
});

describe("the same actions from a process of this machine", () => {
  it("take effect: the SDK's default client puts the record, the AWS CLI lists the streams, a device connects over WebSocket", async () => {
    // The AWS SDK as a user writes it: no custom request handler, so HTTP/2.
    const client = new KinesisClient({
      endpoint: dev.ready.kinesis as string,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    await client.send(
      new PutRecordCommand({
        StreamName: STREAMS.validated,
        PartitionKey: CONTROL,
        Data: new TextEncoder().encode(forgedRecord(CONTROL, 1)),
      }),
    );
    client.destroy();
    // The AWS CLI too (botocore, HTTP/1.1).
    const { stdout } = await run(
      "aws",
      ["kinesis", "list-streams", "--endpoint-url", dev.ready.kinesis as string],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: "local",
          AWS_SECRET_ACCESS_KEY: "local",
          AWS_DEFAULT_REGION: "us-east-1",
        },
      },
    );
    expect(JSON.parse(stdout)).toMatchObject({ StreamNames: expect.arrayContaining([STREAMS.validated]) });
    await waitFor(async () => (await alarmsOf(CONTROL)).length > 0, "the alarm the record opens");
    expect((await alarmsOf(CONTROL))[0]).toMatchObject({ code: "COOLING_FAILURE" });
    const connected = await device(dev.ready.ws as string, CONTROL, token);
    expect(connected.connected).toBe(true);
    await connected.endAsync();
  });
});
