import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import mqtt, { type MqttClient } from "mqtt";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type DevProcess, fleetlineAsync, startDev } from "../../cli/test/dev-process.js";
import { waitFor } from "../../local/test/helpers.js";
import { builtDashboard } from "./built-dashboard.js";

const artifacts = fileURLToPath(new URL("../../../.tmp/artifacts/", import.meta.url));

let dev: DevProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const devices: MqttClient[] = [];

async function register(thing: string, type = "freestyle"): Promise<string> {
  const response = await fetch(`${dev.http}/api/things`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ thing, type }),
  });
  return ((await response.json()) as { token: string }).token;
}

async function connect(thing: string, token: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync(dev.mqtt, {
    clientId: thing,
    username: thing,
    password: token,
    reconnectPeriod: 0,
  });
  devices.push(client);
  return client;
}

const dispenser = (seq: number) =>
  JSON.stringify({
    v: 1,
    seq,
    ts: Date.now(),
    metrics: {
      cabinetTempC: 4,
      co2Kpa: 410,
      waterKpa: 280,
      pours: 1,
      cartridges: { cola: 70 },
      state: "idle",
    },
  });

beforeAll(async () => {
  await builtDashboard();
  await mkdir(artifacts, { recursive: true });
  dev = await startDev(["--in-memory", "--no-simulator"]);
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}, 120_000);

beforeEach(async () => {
  context = await browser.newContext({ viewport: { width: 1300, height: 900 }, acceptDownloads: true });
  page = await context.newPage();
});

afterEach(async () => {
  await context?.close();
});

afterAll(async () => {
  await browser?.close();
  for (const client of devices) await client.endAsync();
  if (dev?.child.exitCode === null) await dev.stop();
});

describe("the fleet view, as an operator reads it", () => {
  it("shows each device's connection from its lifecycle events, and marks one that reported and was removed", async () => {
    const online = await connect("fs-op-online", await register("fs-op-online"));
    await online.publishAsync("dt/fleetline/freestyle/fs-op-online/telemetry", dispenser(1), { qos: 1 });
    const gone = await connect("fs-op-gone", await register("fs-op-gone"));
    await gone.publishAsync("dt/fleetline/freestyle/fs-op-gone/telemetry", dispenser(1), { qos: 1 });
    await gone.endAsync();
    await fetch(`${dev.http}/api/things/fs-op-gone`, { method: "DELETE" });
    await page.goto(dev.http);
    await page.waitForSelector('.row[data-thing="fs-op-gone"].removed');
    expect(await page.textContent('.row[data-thing="fs-op-online"] [data-connection]')).toBe("connected");
    expect(await page.textContent('.row[data-thing="fs-op-gone"] [data-connection]')).toBe("disconnected");
    expect(await page.textContent('.row[data-thing="fs-op-gone"] .tag')).toBe("removed");
    // Presence from the lifecycle events: why it left, and since when.
    await page.waitForSelector(
      '.row[data-thing="fs-op-gone"] [data-connection][data-disconnect-reason="CLIENT_INITIATED_DISCONNECT"]',
    );
    expect(await page.getAttribute('.row[data-thing="fs-op-gone"] [data-connection]', "title")).toMatch(
      /^disconnected since .+; last disconnect: CLIENT_INITIATED_DISCONNECT$/,
    );
    expect(await page.getAttribute('.row[data-thing="fs-op-online"] [data-connection]', "title")).toMatch(
      /^connected since /,
    );
    await page.screenshot({ path: `${artifacts}fleet-connections.png` });
  });

  it("registers a device from the dashboard: a token, or a certificate, its key and the CA to download", async () => {
    await page.goto(dev.http);
    await page.click(".register-card summary");
    await page.fill('[data-register] input[name="thing"]', "fs-op-token");
    await page.click('[data-register] button[type="submit"]');
    expect(await (await page.waitForSelector("[data-token]")).textContent()).toMatch(/^flt_/);
    await page.fill('[data-register] input[name="thing"]', "rb-op-cert");
    await page.selectOption('[data-register] select[name="type"]', "robot");
    await page.selectOption('[data-register] select[name="credentials"]', "certificate");
    await page.click('[data-register] button[type="submit"]');
    await page.waitForSelector('[data-download="rb-op-cert.cert.pem"]');
    const saved: Record<string, string> = {};
    for (const name of ["rb-op-cert.cert.pem", "rb-op-cert.private.key", "fleetline-ca.pem"]) {
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.click(`[data-download="${name}"]`),
      ]);
      expect(download.suggestedFilename()).toBe(name);
      const stream = await download.createReadStream();
      let text = "";
      for await (const chunk of stream) text += chunk.toString();
      saved[name] = text;
    }
    expect(saved["rb-op-cert.cert.pem"]).toContain("BEGIN CERTIFICATE");
    expect(saved["rb-op-cert.private.key"]).toContain("PRIVATE KEY");
    expect(saved["fleetline-ca.pem"]).toContain("BEGIN CERTIFICATE");
    const listed = (await (await fetch(`${dev.http}/api/things`)).json()) as Array<{ thing: string }>;
    expect(listed.map((t) => t.thing)).toEqual(expect.arrayContaining(["fs-op-token", "rb-op-cert"]));
    await page.screenshot({ path: `${artifacts}register.png` });
  });
});

describe("the MQTT client view", () => {
  it("shows every message matching its filters as it arrives, and publishes a test message", async () => {
    const client = await connect("fs-op-mqtt", await register("fs-op-mqtt"));
    await page.goto(`${dev.http}/#/mqtt`);
    await page.fill("[data-filter]", "dt/fleetline/freestyle/fs-op-mqtt/telemetry alerts/fleetline/#");
    await page.click('form.mqtt-subscribe button[type="submit"]');
    await page.waitForFunction(() =>
      document.querySelector("[data-subscription]")?.textContent?.startsWith("Subscribed"),
    );
    await client.publishAsync("dt/fleetline/freestyle/fs-op-mqtt/telemetry", dispenser(7), { qos: 1 });
    await page.waitForSelector('[data-topic="dt/fleetline/freestyle/fs-op-mqtt/telemetry"]');
    expect(
      await page.textContent('[data-topic="dt/fleetline/freestyle/fs-op-mqtt/telemetry"] .meta'),
    ).toContain("from fs-op-mqtt");
    expect(
      await page.textContent('[data-topic="dt/fleetline/freestyle/fs-op-mqtt/telemetry"] pre'),
    ).toContain('"seq": 7');
    await page.fill("[data-publish-topic]", "alerts/fleetline/freestyle/fs-op-mqtt");
    await page.fill("[data-publish-payload]", '{"test":"from the dashboard"}');
    await page.click('form.mqtt-publish button[type="submit"]');
    await page.waitForSelector('[data-topic="alerts/fleetline/freestyle/fs-op-mqtt"]');
    expect(await page.textContent("[data-published]")).toContain(
      "Published on alerts/fleetline/freestyle/fs-op-mqtt",
    );
    expect(await page.textContent('[data-topic="alerts/fleetline/freestyle/fs-op-mqtt"] .meta')).toContain(
      "from the runtime",
    );
    // What AWS IoT refuses to publish, the view says so.
    await page.fill("[data-publish-topic]", "$aws/events/presence/connected/x");
    await page.click('form.mqtt-publish button[type="submit"]');
    await page.waitForFunction(() =>
      document.querySelector("[data-published]")?.textContent?.startsWith("Refused (403)"),
    );
    await page.screenshot({ path: `${artifacts}mqtt-client.png` });
  });
});

describe("the Rejected view", () => {
  it("filters by reason and thing, and redrives what it shows, keeping what the contract still refuses", async () => {
    const token = await register("fs-op-bad");
    const client = await connect("fs-op-bad", token);
    await client.publishAsync("dt/fleetline/freestyle/fs-op-bad/telemetry", "{not json", { qos: 1 });
    await client.publishAsync("dt/fleetline/freestyle/fs-op-bad/telemetry", JSON.stringify({ v: 1 }), {
      qos: 1,
    });
    await waitFor(
      async () => ((await (await fetch(`${dev.http}/api/rejected`)).json()) as unknown[]).length >= 2,
      "two rejected",
    );
    await page.goto(`${dev.http}/#/rejected`);
    await page.waitForSelector('tr[data-reason="MALFORMED_JSON"]');
    await page.selectOption('[data-filter="reason"]', "MALFORMED_JSON");
    await page.fill('[data-filter="thing"]', "fs-op-bad");
    expect(
      await page.$$eval("tr[data-reason]", (rows) => rows.map((r) => r.getAttribute("data-reason"))),
    ).toEqual(["MALFORMED_JSON"]);
    await page.click("[data-redrive]");
    await page.waitForFunction(() =>
      document.querySelector("[data-redrive-outcome]")?.textContent?.startsWith("Redrove"),
    );
    expect(await page.textContent("[data-redrive-outcome]")).toMatch(
      /^Redrove 0 of 1; kept 1: MALFORMED_JSON: /,
    );
    // A long payload wraps inside its cell instead of running off the page.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `${artifacts}rejected-redrive.png` });
  });
});

describe("the invocation view", () => {
  it("decodes a batch's records, says when there is no event, and offers no replay of an unknown invocation", async () => {
    const client = await connect("fs-op-inv", await register("fs-op-inv"));
    await client.publishAsync("dt/fleetline/freestyle/fs-op-inv/telemetry", dispenser(3), { qos: 1 });
    const batch = await waitFor(async () => {
      const list = (await (
        await fetch(`${dev.http}/api/invocations?function=validate&limit=50`)
      ).json()) as Array<{ id: string }>;
      return list[0];
    }, "a validate invocation");
    await page.goto(`${dev.http}/#/invocations/${batch.id}`);
    await page.waitForSelector('[data-part="record"]');
    expect(await page.textContent('[data-part="record"] pre')).toContain('"topic"');
    await page.goto(`${dev.http}/#/invocations/no-such-invocation`);
    await page.waitForSelector('[data-part="unknown"]');
    expect(await page.$("[data-replay]")).toBeNull();
    expect(await page.textContent('[data-part="unknown"]')).toContain("no invocation no-such-invocation");
  });
});

describe("a phone's width", () => {
  it("lays out every view within 400 px", async () => {
    // A device of its own: the test runs in any order, before or after those that connect others.
    const phone = await connect("fs-op-phone", await register("fs-op-phone"));
    await phone.publishAsync("dt/fleetline/freestyle/fs-op-phone/telemetry", dispenser(1), { qos: 1 });
    await page.setViewportSize({ width: 400, height: 800 });
    for (const [view, ready] of [
      ["/", ".row[data-thing]"],
      ["/#/alerts", "section[data-view]"],
      ["/#/rejected", "tr"],
      ["/#/functions", "section[data-view]"],
      ["/#/mqtt", "form.mqtt-subscribe"],
      ["/#/devices/fs-op-phone", "[data-editor]"],
    ] as const) {
      await page.goto(`${dev.http}${view}`);
      await page.waitForSelector(ready);
      const wider = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(wider, view).toBeLessThanOrEqual(400);
    }
    await page.goto(dev.http);
    await page.waitForSelector(".row[data-thing]");
    await page.screenshot({ path: `${artifacts}phone-fleet.png`, fullPage: true });
  });
});

describe("a device's page", () => {
  it("opens its charts on the range that holds its data, says 1 bucket and 1 open alert, and a docked robot's battery", async () => {
    const robot = await connect("rb-op-dock", await register("rb-op-dock", "robot"));
    await robot.publishAsync(
      "dt/fleetline/robot/rb-op-dock/telemetry",
      JSON.stringify({
        v: 1,
        seq: 1,
        ts: Date.now(),
        metrics: { batteryPct: 4, state: "docked", binFull: false, x: 0, y: 0, areaM2: 0, rssiDbm: -50 },
        faults: [{ code: "BATTERY_CRITICAL", severity: "critical" }],
      }),
      { qos: 1 },
    );
    await page.goto(`${dev.http}/#/devices/rb-op-dock`);
    await page.waitForFunction(() =>
      document.querySelector('[data-trail="none"]')?.textContent?.includes("At its dock (docked)"),
    );
    expect(await page.textContent(".ranges button.active")).toBe("15 min");
    await page.waitForFunction(() =>
      /1 open alert ·/.test(document.querySelector("section[data-view=device] p")?.textContent ?? ""),
    );
    // Its presence, from its lifecycle events.
    await page.waitForFunction(() =>
      / · connected since \d/.test(document.querySelector("section[data-view=device] p")?.textContent ?? ""),
    );
    await page.waitForFunction(() =>
      [...document.querySelectorAll("[data-chart] small")].some(
        (e) => e.textContent === "1 bucket, 1 reading",
      ),
    );
    await page.screenshot({ path: `${artifacts}device-docked.png` });
  });
});

/**
 * A robot that takes its jobs as the Jobs MQTT API has it: on each `notify-next` it calls
 * `start-next`, then ends the execution as `outcome` says — or leaves it in progress.
 */
async function jobRunner(thing: string, outcome: (jobId: string) => "SUCCEEDED" | "FAILED" | "HOLD") {
  const client = await connect(thing, await register(thing, "robot"));
  const jobs = `$aws/things/${thing}/jobs`;
  client.on("message", (topic, payload) => {
    const document = JSON.parse(payload.toString()) as { execution?: { jobId: string } };
    if (topic === `${jobs}/notify-next` && document.execution)
      void client.publishAsync(`${jobs}/start-next`, "{}", { qos: 1 });
    if (topic === `${jobs}/start-next/accepted` && document.execution) {
      const status = outcome(document.execution.jobId);
      if (status !== "HOLD")
        void client.publishAsync(`${jobs}/${document.execution.jobId}/update`, JSON.stringify({ status }), {
          qos: 1,
        });
    }
  });
  await client.subscribeAsync(`${jobs}/notify-next`, { qos: 1 });
  return client;
}

async function job(jobId: string): Promise<{ status: string; counts: Record<string, number> }> {
  return (await (await fetch(`${dev.http}/api/jobs/${jobId}`)).json()) as {
    status: string;
    counts: Record<string, number>;
  };
}

describe("the Jobs view", () => {
  it("draws each job's rollout, says why one was aborted, and lists a device's job history", async () => {
    await jobRunner("rb-ota-a", (id) => (id === "fw-op-good" ? "SUCCEEDED" : "FAILED"));
    await jobRunner("rb-ota-b", (id) => (id === "fw-op-good" ? "SUCCEEDED" : "FAILED"));
    await jobRunner("rb-ota-c", () => "HOLD");
    const create = (id: string, ...flags: string[]) =>
      fleetlineAsync([
        "jobs",
        "create",
        id,
        "--things",
        "rb-ota-a",
        "rb-ota-b",
        "rb-ota-c",
        "--document-json",
        '{"operation":"firmware","version":"2.1.0"}',
        "--url",
        dev.http,
        ...flags,
      ]);
    expect((await create("fw-op-good", "--description", "robot firmware 2.1.0")).code).toBe(0);
    await waitFor(async () => (await job("fw-op-good")).counts.SUCCEEDED === 2, "fw-op-good: 2 succeeded");
    // rb-ota-c holds fw-op-good in progress, so its fw-op-bad stays queued until the abort cancels it.
    expect((await create("fw-op-bad", "--abort-after", "2", "--abort-threshold", "50")).code).toBe(0);
    await waitFor(async () => (await job("fw-op-bad")).status === "CANCELED", "fw-op-bad aborted");

    await page.goto(`${dev.http}/#/jobs`);
    await page.waitForSelector('[data-job="fw-op-bad"] [data-job-status="CANCELED"]');
    expect(await page.textContent('[data-job="fw-op-good"] [data-job-status]')).toBe("in progress");
    expect(await page.getAttribute('nav a[data-nav="jobs"]', "class")).toBe("active");

    await page.click('a[href="#/jobs/fw-op-bad"]');
    await page.waitForFunction(() =>
      document.querySelector("[data-job-reason]")?.textContent?.includes("ABORT_CRITERIA_MET"),
    );
    expect(await page.textContent("[data-job-reason]")).toContain("2 of 2 ended executions are FAILED");
    expect(await page.textContent("[data-job-counts]")).toBe("3 targets: 2 failed, 1 canceled");
    expect(await page.getAttribute('[data-execution="rb-ota-c"]', "data-status")).toBe("CANCELED");
    // The rollout chart: uPlot's canvas, with a legend entry per status.
    expect(await page.locator(".rollout canvas").count()).toBe(1);
    expect(await page.locator(".rollout .u-legend .u-series").count()).toBeGreaterThanOrEqual(8);
    await page.screenshot({ path: `${artifacts}job-aborted.png`, fullPage: true });

    await page.goto(`${dev.http}/#/jobs/fw-op-good`);
    await page.waitForFunction(
      () =>
        document.querySelector("[data-job-counts]")?.textContent === "3 targets: 1 in progress, 2 succeeded",
    );
    expect(await page.textContent("[data-job-description]")).toBe("robot firmware 2.1.0");
    expect(await page.textContent("[data-job-document]")).toContain('"version": "2.1.0"');
    await page.screenshot({ path: `${artifacts}job-rollout.png`, fullPage: true });

    await page.goto(`${dev.http}/#/devices/rb-ota-c`);
    await page.waitForSelector('[data-device-job="fw-op-bad"]');
    expect(
      await page.$$eval("[data-device-job]", (rows) =>
        rows.map((row) => [
          row.getAttribute("data-device-job"),
          row.querySelector("[data-job-status]")?.getAttribute("data-job-status"),
        ]),
      ),
    ).toEqual([
      ["fw-op-bad", "CANCELED"],
      ["fw-op-good", "IN_PROGRESS"],
    ]);
    await page.screenshot({ path: `${artifacts}device-jobs.png`, fullPage: true });
  });
});
