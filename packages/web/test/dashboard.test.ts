import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import mqtt, { type MqttClient } from "mqtt";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type DevProcess, startDev } from "../../cli/test/dev-process.js";
import { faultyFreestyle, waitFor } from "../../local/test/helpers.js";
import { builtDashboard } from "./built-dashboard.js";

const artifacts = fileURLToPath(new URL("../../../.tmp/artifacts/", import.meta.url));
const thing = "fs-ui-1";

let dev: DevProcess;
let browser: Browser;
let page: Page;
let device: MqttClient;
const deltas: Array<Record<string, unknown>> = [];
let seq = 0;

function report(faults: unknown[] = []) {
  seq += 1;
  return JSON.stringify({
    v: 1,
    seq,
    ts: Date.now(),
    metrics: {
      cabinetTempC: 4 + seq / 10,
      co2Kpa: 410,
      waterKpa: 280,
      pours: 1,
      cartridges: { cola: 70, lemon: 40 },
      state: "idle",
    },
    faults,
  });
}

beforeAll(async () => {
  // Always the dashboard as the sources stand now.
  await builtDashboard();
  await mkdir(artifacts, { recursive: true });
  dev = await startDev(["--in-memory", "--devices", "6", "--rate", "1", "--faults", "none"]);
  const registered = await fetch(`${dev.http}/api/things`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ thing, type: "freestyle" }),
  });
  const { token } = (await registered.json()) as { token: string };
  device = await mqtt.connectAsync(dev.mqtt, {
    clientId: thing,
    username: thing,
    password: token,
    reconnectPeriod: 0,
  });
  await device.subscribeAsync(`$aws/things/${thing}/shadow/update/delta`, { qos: 1 });
  device.on("message", (_topic, payload) => deltas.push(JSON.parse(payload.toString()).state));
  // The device reports its state, so its shadow exists whichever case runs first.
  await device.publishAsync(
    `$aws/things/${thing}/shadow/update`,
    JSON.stringify({ state: { reported: { fan: 1 } } }),
    { qos: 1 },
  );
  await waitFor(async () => (await fetch(`${dev.http}/things/${thing}/shadow`)).ok, "the device's shadow");
  for (let i = 0; i < 5; i++)
    await device.publishAsync(`dt/fleetline/freestyle/${thing}/telemetry`, report(), { qos: 1 });
  await device.publishAsync(
    `dt/fleetline/freestyle/${thing}/telemetry`,
    report([{ code: "NOZZLE_CLOG", severity: "minor" }]),
    { qos: 1 },
  );
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}, 120_000);

// Each case opens the view it needs in a tab of its own: none relies on where another left off.
let context: BrowserContext;
beforeEach(async () => {
  context = await browser.newContext({ viewport: { width: 1300, height: 900 } });
  page = await context.newPage();
});
afterEach(async () => {
  await context?.close();
});

/** The fleet view, once it lists this test's device and the simulated ones. */
async function fleet(): Promise<void> {
  await page.goto(dev.http);
  await page.waitForFunction(() => document.querySelectorAll(".row[data-thing]").length >= 7, undefined, {
    timeout: 20_000,
  });
}

/** The device view of `thing`, once its shadow is shown. */
async function deviceView(): Promise<void> {
  await page.goto(`${dev.http}/#/devices/${thing}`);
  await page.waitForSelector("[data-editor]");
  await page.waitForFunction(() =>
    document.querySelector("[data-shadow]")?.textContent?.includes('"version"'),
  );
}

afterAll(async () => {
  await browser?.close();
  await device?.endAsync();
  if (dev?.child.exitCode === null) await dev.stop();
});

describe("the dashboard in Chromium", () => {
  it("fills the fleet list from the simulator and shows the counters", async () => {
    await fleet();
    const things = await page.$$eval(".row[data-thing]", (rows) =>
      rows.map((row) => row.getAttribute("data-thing")),
    );
    expect(things).toContain(thing);
    // fleetline dev's own simulated devices carry its prefix, never fleetline simulate's "sim-".
    expect(things.filter((t) => t?.startsWith("demo-"))).toHaveLength(6);
    await page.waitForFunction(
      () => Number(document.querySelector('[data-counter="stored"] b')?.textContent) > 0,
    );
    expect(await page.textContent("#connection")).toBe("live");
    await page.screenshot({ path: `${artifacts}fleet.png` });
  });

  it("names each view in the tab, and loads every asset (favicon too) without a console error", async () => {
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    page.on("requestfailed", (request) => problems.push(`${request.url()} failed`));
    page.on("response", (response) => {
      if (response.status() >= 400) problems.push(`${response.url()}: ${response.status()}`);
    });
    await fleet();
    expect(await page.title()).toBe("Fleet · Fleetline");
    const icon = await fetch(`${dev.http}/favicon.svg`);
    expect([icon.status, icon.headers.get("content-type")]).toEqual([200, "image/svg+xml"]);
    await deviceView();
    expect(await page.title()).toBe(`${thing} · Fleetline`);
    await page.click('[data-nav="alerts"]');
    await page.waitForFunction(() => document.title === "Alerts · Fleetline");
    await page.click('[data-nav="rejected"]');
    await page.waitForFunction(() => document.title === "Rejected messages · Fleetline");
    await page.click('[data-nav="functions"]');
    await page.waitForFunction(() => document.title === "Functions · Fleetline");
    expect(problems).toEqual([]);
  });

  it("filters the fleet by type", async () => {
    await fleet();
    await page.selectOption('[data-filter="type"]', "robot");
    const types = await page.$$eval(".row[data-thing]", (rows) =>
      rows.map((row) => row.children[1]?.textContent),
    );
    expect(new Set(types)).toEqual(new Set(["robot"]));
    await page.selectOption('[data-filter="type"]', "");
  });

  it("opens a device and charts its telemetry from server-side buckets", async () => {
    await fleet();
    await page.click(`.row[data-thing="${thing}"] a`);
    await page.waitForSelector('[data-chart="cabinetTempC"]');
    // All six reports of this device, once the pipeline has stored them.
    await page.waitForFunction(() =>
      document.querySelector('[data-chart="cabinetTempC"] small')?.textContent?.endsWith(", 6 readings"),
    );
    expect(await page.textContent('[data-chart="cabinetTempC"] small')).toMatch(
      /^(1 bucket|\d+ buckets), 6 readings$/,
    );
    expect(await page.textContent("[data-extra]")).toContain("cola");
    await page.click('[data-range="15 min"]');
    await page.screenshot({ path: `${artifacts}device.png`, fullPage: true });
  });

  it("sends a desired state from the shadow editor and the device gets the delta", async () => {
    await deviceView();
    await page.fill("[data-editor]", JSON.stringify({ fan: 2 }));
    await page.click("[data-send]");
    await page.waitForFunction(() =>
      document.querySelector("[data-shadow-message]")?.textContent?.startsWith("Accepted"),
    );
    await expect.poll(() => deltas.at(-1), { timeout: 10_000 }).toMatchObject({ fan: 2 });
    await page.waitForFunction(() =>
      document.querySelector("[data-shadow]")?.textContent?.includes('"fan": 2'),
    );
  });

  it("shows AWS's rejection of a bad shadow edit: invalid JSON, a stale version", async () => {
    await deviceView();
    await page.fill("[data-editor]", "{not json");
    await page.click("[data-send]");
    await page.waitForFunction(() =>
      document.querySelector("[data-shadow-message]")?.textContent?.includes("Invalid JSON"),
    );
    expect(await page.textContent("[data-shadow-message]")).toBe("Rejected (400): Invalid JSON");

    await page.check("[data-use-version]");
    const message = () => page.textContent("[data-shadow-message]");
    // Someone else updates the shadow while the page shows the version it read: a stale version.
    // (The page polls every 2 s; if a poll lands in between, the page is not stale: try again.)
    for (let attempt = 0; attempt < 3; attempt++) {
      const { version } = (await (await fetch(`${dev.http}/things/${thing}/shadow`)).json()) as {
        version: number;
      };
      await page.waitForFunction(
        (v) => document.querySelector("[data-shadow]")?.textContent?.includes(`"version": ${v}`),
        version,
      );
      await fetch(`${dev.http}/things/${thing}/shadow`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ state: { desired: { fan: 10 + attempt } } }),
      });
      await page.fill("[data-editor]", JSON.stringify({ fan: 4 }));
      const before = await message();
      await page.click("[data-send]");
      await page.waitForFunction(
        (b) => document.querySelector("[data-shadow-message]")?.textContent !== b,
        before,
      );
      if ((await message())?.includes("Version conflict")) break;
    }
    expect(await message()).toBe("Rejected (409): Version conflict");
    await page.uncheck("[data-use-version]");
  });

  it("shows each function's figures and invocations, one invocation's event and logs, and replays it", async () => {
    await page.goto(`${dev.http}/#/functions`);
    await page.waitForSelector('tr[data-function="store"]');
    const names = await page.$$eval("tr[data-function]", (rows) =>
      rows.map((r) => r.getAttribute("data-function")),
    );
    expect(names).toEqual([
      "validate",
      "store",
      "alerts",
      "confirm",
      "presence",
      "provisioningHook",
      "sweep",
    ]);
    await page.selectOption('select[name="function"]', "store");
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll("tr[data-status] td:nth-child(2)")];
      return rows.length > 0 && rows.every((cell) => cell.textContent === "store");
    });
    await page.click('tr[data-status="ok"] a[href^="#/invocations/"]');
    await page.waitForFunction(() => document.title.startsWith("Invocation "));
    await page.waitForFunction(() =>
      document.querySelector('[data-part="event"]')?.textContent?.includes('"Records"'),
    );
    const id = decodeURIComponent(page.url().split("#/invocations/")[1] as string);
    await page.click(`[data-replay="${id}"]`);
    await page.waitForFunction(() =>
      document.querySelector('[data-part="replayed"]')?.textContent?.includes(": ok"),
    );
    const replayed = (await (
      await fetch(`${dev.http}/api/invocations?function=store&limit=5`)
    ).json()) as Array<{
      replayOf?: string;
    }>;
    expect(replayed.some((i) => i.replayOf === id)).toBe(true);
    await page.screenshot({ path: `${artifacts}functions.png`, fullPage: true });
  });

  it("acks an alarm from the alerts view", async () => {
    await page.goto(`${dev.http}/#/alerts`);
    const row = `[data-alert][data-thing="${thing}"][data-status="open"]`;
    await page.waitForSelector(row, { timeout: 20_000 });
    const id = await page.getAttribute(row, "data-alert");
    await page.click(`[data-ack="${id}"]`);
    await page.waitForSelector(`[data-alert="${id}"][data-status="acked"]`);
    const alert = (await (await fetch(`${dev.http}/api/alerts?thing=${thing}`)).json()) as Array<{
      status: string;
      code: string;
    }>;
    expect(alert[0]).toMatchObject({ code: "NOZZLE_CLOG", status: "acked" });
  });

  it("shows a degraded pipeline: which component, and why", async () => {
    await fleet();
    await page.waitForSelector('#health[data-status="ok"]');
    expect(await page.isHidden("#health-detail")).toBe(true);
    // A device whose shadow is nearly at AWS's 8 KB: the maintenance command a cooling failure
    // sends cannot fit. The shadow refuses it, the command fails with the reason, and the alarms
    // component says so.
    const full = "fs-ui-full";
    const registered = await fetch(`${dev.http}/api/things`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ thing: full, type: "freestyle" }),
    });
    const { token } = (await registered.json()) as { token: string };
    const filled = await fetch(`${dev.http}/things/${full}/shadow`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ state: { desired: { note: "x".repeat(8_150) } } }),
    });
    expect(filled.status).toBe(200);
    const machine = await mqtt.connectAsync(dev.mqtt, { clientId: full, username: full, password: token });
    seq += 1;
    await machine.publishAsync(
      `dt/fleetline/freestyle/${full}/telemetry`,
      faultyFreestyle(seq, [{ code: "COOLING_FAILURE", severity: "critical" }]),
      { qos: 1 },
    );
    await machine.endAsync();
    await page.waitForSelector('#health[data-status="degraded"]', { timeout: 20_000 });
    expect(await page.textContent("#health")).toBe("pipeline degraded");
    const line = await page.textContent('#health-detail li[data-component="alarms"]');
    expect(line).toMatch(/^alarms degraded: a command to fs-ui-full was refused and given up: .*size/i);
    const [command] = (await (await fetch(`${dev.http}/api/commands?thing=${full}`)).json()) as Array<{
      status: string;
    }>;
    expect(command).toMatchObject({ status: "failed" });
    await page.screenshot({ path: `${artifacts}health.png` });
  });

  it("shows the rejected view and a readable banner when the API goes away", async () => {
    // A runtime of its own, since this case stops it.
    const doomed = await startDev(["--in-memory"]);
    try {
      const registered = await fetch(`${doomed.http}/api/things`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ thing: "fs-ui-broken", type: "freestyle" }),
      });
      const { token } = (await registered.json()) as { token: string };
      const broken = await mqtt.connectAsync(doomed.mqtt, {
        clientId: "fs-ui-broken",
        username: "fs-ui-broken",
        password: token,
        reconnectPeriod: 0,
      });
      await broken.publishAsync("dt/fleetline/freestyle/fs-ui-broken/telemetry", "{broken", { qos: 1 });
      await broken.endAsync();
      await page.goto(`${doomed.http}/#/rejected`);
      await page.waitForSelector('[data-reason="MALFORMED_JSON"]', { timeout: 20_000 });
      expect(await page.textContent('[data-reason="MALFORMED_JSON"] pre')).toBe("{broken");
      await doomed.stop();
      await page.waitForFunction(() => !document.getElementById("banner")?.hidden, undefined, {
        timeout: 10_000,
      });
      expect(await page.textContent("#banner")).toContain("unreachable");
      expect(await page.textContent("#connection")).toBe("API unreachable");
      // Honest about what it no longer knows: the health unknown, what is shown marked as from before.
      expect(await page.textContent("#health")).toBe("pipeline unknown");
      expect(await page.getAttribute("body", "data-api")).toBe("down");
      expect(await page.textContent("#banner")).toMatch(
        /What is shown is from .* and may have changed since\./,
      );
    } finally {
      if (doomed.child.exitCode === null) await doomed.stop();
    }
  }, 60_000);
});

describe("the dashboard in front of an API with a token", () => {
  it("asks for the token, keeps it, and then shows the fleet", async () => {
    const guarded = await startDev([
      "--in-memory",
      "--devices",
      "3",
      "--rate",
      "1",
      "--api-token",
      "flt-ui-token-0123456789",
    ]);
    const tab = page;
    try {
      await tab.goto(guarded.http);
      await tab.waitForSelector(".token-form input[name=token]", { timeout: 10_000 });
      expect(await tab.textContent("#banner")).toContain("Authorization: Bearer");
      await tab.fill(".token-form input[name=token]", "wrong-token");
      await tab.click(".token-form button");
      await tab.waitForSelector(".token-form input[name=token]", { timeout: 10_000 });
      await tab.fill(".token-form input[name=token]", "flt-ui-token-0123456789");
      await tab.click(".token-form button");
      await tab.waitForFunction(() => document.querySelectorAll(".row[data-thing]").length >= 3, undefined, {
        timeout: 20_000,
      });
      expect(await tab.evaluate(() => localStorage.getItem("fleetline.apiToken"))).toBe(
        "flt-ui-token-0123456789",
      );
      await tab.reload();
      await tab.waitForFunction(() => document.querySelectorAll(".row[data-thing]").length >= 3, undefined, {
        timeout: 20_000,
      });
      expect(await tab.isHidden("#banner")).toBe(true);
    } finally {
      await guarded.stop();
    }
  }, 90_000);
});
