import { join } from "node:path";
import type { HealthReport } from "@fleetline/core/pipeline";
import { Database, DiskFailures, type InjectedFailures, type Runtime } from "@fleetline/local";
import { hold } from "@fleetline/testing";
import mqtt from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { type DevProcess, startDev } from "../../packages/cli/test/dev-process.js";
import { settle, tempDir, waitFor } from "../../packages/local/test/helpers.js";
import { startMosquitto } from "../../packages/local/test/mosquitto.js";
import { writeFaultReport } from "./fault-report.js";
import { FleetRun } from "./fleet-run.js";
import {
  ackedOf,
  BURST,
  burstDevice,
  component,
  componentWhen,
  coolingCycles,
  getJson,
  inProcess,
  type Run,
  report,
  reported,
  rows,
} from "./scenarios.js";
import { doubledReadings, storedIdentities } from "./stored.js";

/**
 * The fault-injection suite: a simulated fleet sends sequence-numbered telemetry through the whole
 * local pipeline while one fault is injected; afterwards every message the broker acknowledged
 * must be stored exactly once, and the fault must have shown in /api/health, /api/stats or the
 * dead-letter queue. The table goes to the console and `.tmp/artifacts/fault-report.md`.
 */
afterAll(async () => {
  await writeFaultReport(rows);
});

describe("no acknowledged message lost or doubled under faults", () => {
  it("store crashes after its write, before returning, on 1 % of invocations", async () => {
    const failures: InjectedFailures = { storeCrashAfterWriteRate: 0.01 };
    await inProcess(
      "store crashes after its write (1 % of invocations)",
      { failures },
      async ({ health }) => {
        await waitFor(() => (failures.injected?.crashedAfterWrite ?? 0) >= 2, "two crashes", 60_000);
        const store = await componentWhen(
          health,
          "eventSource:store",
          (found) => Number(found.metrics.functionErrors) >= 2,
          "the store's event source to count both crashes",
        );
        expect(store.metrics.functionErrors).toBeGreaterThanOrEqual(2);
        return `/api/health eventSource:store: ${store.metrics.functionErrors} function errors; /api/stats duplicates`;
      },
    );
    expect(rows.at(-1)?.duplicatesAvoided).toBeGreaterThan(0);
  }, 180_000);

  it("the telemetry store throttles 5 % of writes", async () => {
    const failures: InjectedFailures = { storeThrottleRate: 0.05 };
    await inProcess("telemetry store throttles 5 % of writes", { failures }, async ({ health }) => {
      await waitFor(() => (failures.injected?.throttled ?? 0) >= 5, "five throttled writes", 60_000);
      const store = component(await health(), "store");
      expect(store.metrics.failures).toBeGreaterThanOrEqual(5);
      return `/api/health store: ${store.metrics.failures} failed writes ("${store.metrics.lastFailure}")`;
    });
  }, 180_000);

  it("devices go offline for seconds and come back with a buffered burst", async () => {
    await inProcess("devices offline 4 s, back with a burst", {}, async ({ run, health }) => {
      await reported(run, 50);
      const away = run.fleet.things.slice(0, 4);
      const before = new Map(away.map((thing) => [thing, ackedOf(run, thing)]));
      run.fleet.offline(away, 4_000);
      const broker = await componentWhen(
        health,
        "broker",
        (found) => Number(found.metrics.connectionsClosed) >= away.length,
        "the away devices' connections to close",
      );
      // Back: each away device's buffered reports acknowledged, and more after them.
      await waitFor(
        () => away.every((thing) => ackedOf(run, thing) >= (before.get(thing) ?? 0) + 25),
        "the away devices back with their buffered reports",
        60_000,
      );
      expect(broker.metrics.connectionsClosed).toBeGreaterThanOrEqual(away.length);
      return `/api/health broker: ${broker.metrics.connectionsClosed} connections closed, ${broker.metrics.connected} connected`;
    });
  }, 180_000);

  it("the data dir's disk fills up, and space returns", async () => {
    const disk = new DiskFailures();
    await inProcess(
      "data dir's disk full, then space returns",
      { failures: { disk } },
      async ({ run, health }) => {
        await reported(run, 50);
        disk.full = true;
        const rules = await componentWhen(
          health,
          "rules",
          (found) => found.status === "down",
          "the rules to stop acknowledging",
        );
        // Full while the fleet sends 50 more messages, none of them acknowledged yet.
        const sent = run.fleet.summary().sent;
        await waitFor(() => run.fleet.summary().sent >= sent + 50, "50 messages sent while full", 60_000);
        disk.full = false;
        const after = await componentWhen(
          health,
          "rules",
          (found) => found.status !== "down",
          "the rules to acknowledge again",
        );
        await reported(run, 150);
        expect(after.status).not.toBe("down");
        return `/api/health rules down while full: "${rules.detail.split(":")[0]}"`;
      },
    );
  }, 180_000);

  it("the external broker (mosquitto via --broker) is restarted mid-run", async () => {
    const dir = await tempDir("fault-mosquitto");
    const mosquitto = await startMosquitto(dir.path, { persistence: true });
    try {
      await inProcess("external broker restarted", { brokerUrl: mosquitto.url }, async ({ run, health }) => {
        await reported(run, 50);
        await mosquitto.restart();
        const broker = await componentWhen(
          health,
          "broker",
          (found) => Number(found.metrics.disconnects) >= 1 && found.status === "ok",
          "the runtime reconnected to the restarted broker",
        );
        await reported(run, 150);
        expect(broker.metrics.disconnects).toBeGreaterThanOrEqual(1);
        expect(broker.status).toBe("ok");
        return `/api/health broker: ${broker.metrics.disconnects} disconnect(s), reconnected`;
      });
    } finally {
      await mosquitto.stop();
      await dir.remove();
    }
  }, 180_000);

  it("alert publications fail and shadow updates time out after taking effect, 20 % each", async () => {
    const ALERT_RUN_MS = 8_000;
    const failures: InjectedFailures = { alertPublishFailRate: 0.2, shadowUpdateTimeoutRate: 0.2 };
    const observed = new Map<string, number>();
    const updates = new Map<string, number>();
    let observer: mqtt.MqttClient | undefined;
    const started = async (runtime: Runtime) => {
      // Everything the broker delivers to a subscriber: each alert change, each accepted shadow update.
      observer = await mqtt.connectAsync(runtime.urls.mqtt, {
        ...runtime.serviceCredentials,
        clientId: "fault-observer",
        reconnectPeriod: 0,
      });
      await observer.subscribeAsync(["alerts/fleetline/#", "$aws/things/+/shadow/update/accepted"], {
        qos: 1,
      });
      observer.on("message", (topic, payload) => {
        const body = JSON.parse(payload.toString()) as { id?: string; status?: string; clientToken?: string };
        const key = topic.startsWith("alerts/") ? `${body.id}/${body.status}` : body.clientToken;
        const counted = topic.startsWith("alerts/") ? observed : updates;
        if (key) counted.set(key, (counted.get(key) ?? 0) + 1);
      });
    };
    const drained = async ({ runtime, health }: Run) => {
      // The outbox owes what failed: the sweep (here on demand, every minute on its own) settles it.
      await waitFor(
        async () => {
          const alerts = component(await health(), "eventSource:alerts");
          if (Number(alerts.metrics.recordsBehind) > 0) return false;
          await runtime.sweep();
          return component(await health(), "alarms").metrics.owedEffects === 0;
        },
        "every owed effect carried out",
        60_000,
      );
      const base = runtime.urls.http;
      const alerts: Array<{ id: string; status: string }> = [];
      let cursor: string | null = null;
      do {
        const page = await fetch(`${base}/api/alerts?limit=1000${cursor ? `&cursor=${cursor}` : ""}`);
        alerts.push(...((await page.json()) as typeof alerts));
        cursor = page.headers.get("x-next-cursor");
      } while (cursor);
      const expected = alerts.flatMap((a) =>
        a.status === "cleared" ? [`${a.id}/open`, `${a.id}/cleared`] : [`${a.id}/open`],
      );
      await waitFor(
        () => expected.every((key) => observed.has(key)),
        "the observer to see each alert change",
      );
      expect(alerts.length).toBeGreaterThan(3);
      expect(new Map([...observed].filter(([key]) => !key.endsWith("/acked")))).toEqual(
        new Map(expected.map((key) => [key, 1])),
      );
      const commands = (
        await getJson<Array<{ clientToken: string; status: string }>>(`${base}/api/commands?limit=1000`)
      ).filter((c) => c.status !== "failed");
      await waitFor(
        () => commands.every((c) => updates.has(c.clientToken)),
        "the observer to see each command's shadow update",
      );
      expect(commands.length).toBeGreaterThan(0);
      expect(
        new Map([...updates].filter(([token]) => commands.some((c) => c.clientToken === token))),
      ).toEqual(new Map(commands.map((c) => [c.clientToken, 1])));
      expect(failures.injected?.publishFailed).toBeGreaterThan(0);
      expect(failures.injected?.shadowTimedOut).toBeGreaterThan(0);
      await observer?.endAsync();
    };
    await inProcess(
      "alert publishes fail 20 %, shadow updates time out after applying 20 %",
      { failures },
      async ({ runtime, health }) => {
        const things = Array.from({ length: 8 }, (_, i) => `fx-cool-${i}`);
        // The failures act for the whole run: the fleet reports for ALERT_RUN_MS at least.
        await Promise.all([
          coolingCycles(runtime.urls.http, runtime.urls.mqtt, things, 4),
          hold(ALERT_RUN_MS),
        ]);
        await waitFor(
          () => (failures.injected?.publishFailed ?? 0) >= 2 && (failures.injected?.shadowTimedOut ?? 0) >= 1,
          "failed publications and timed-out shadow updates",
          60_000,
        );
        const alarms = await componentWhen(
          health,
          "alarms",
          (found) => Number(found.metrics.effectsRetried) > 0,
          "the alarms component to count retried effects",
        );
        return `/api/health alarms: ${alarms.metrics.effectsRetried} effects retried; each alert and command once`;
      },
      { started, drained },
    );
  }, 180_000);

  it("the runtime is SIGKILLed mid-burst, twice, and restarted on its data dir", async () => {
    const dir = await tempDir("fault-sigkill");
    const dataDir = join(dir.path, "data");
    const prefix = `ft${rows.length + 1}`;
    let dev: DevProcess | undefined;
    try {
      // A burst past IoT Core's 100 publishes a second per connection: a load generator's, limits lifted.
      dev = await startDev(["--data-dir", dataDir, "--no-iot-limits"]);
      const { http, mqtt, ws, kinesis } = dev.ready as Record<string, string>;
      const port = (url: string | undefined) => new URL(url ?? "").port;
      const again = [
        ["--data-dir", dataDir, "--no-iot-limits"],
        [
          "--http-port",
          port(http),
          "--mqtt-port",
          port(mqtt),
          "--ws-port",
          port(ws),
          "--kinesis-port",
          port(kinesis),
        ],
      ].flat();
      const run = await FleetRun.start(dev.http, { devices: 10, rateHz: 10, seed: "sigkill", prefix });
      // The first kill lands in a burst far faster than the pipeline can take it (as a device
      // flushing a full buffer sends it): thousands of QoS 1 messages in flight at once.
      await reported(run, 50);
      const burst = await burstDevice(dev, `${prefix}-burst`, run);
      await waitFor(() => burst.acked() >= 300, "the burst to be under way", 30_000);
      await dev.stop("SIGKILL");
      burst.end();
      expect(burst.acked()).toBeLessThan(BURST);
      dev = await startDev(again);
      const restarted = dev;
      await waitFor(
        () => /did not stop cleanly; every stream resumes from its last checkpoint/.test(restarted.output()),
        "the restart to say the last run did not stop cleanly",
      );
      // The second at another moment of the fleet's steady reporting.
      await reported(run, 150);
      await dev.stop("SIGKILL");
      dev = await startDev(again);
      await reported(run, 100);
      const summary = await run.stop();
      const current = dev;
      await settle(current.http, { timeoutMs: 60_000 });
      const runtime = component(await getJson<HealthReport>(`${current.http}/api/health`), "runtime");
      expect(runtime.metrics.recoveredFromUncleanStop).toBe(true);
      const stats = await getJson<{ duplicates: number; deadLettered: number }>(`${current.http}/api/stats`);
      expect(await current.stop("SIGTERM")).toBe(0);
      dev = undefined;

      const db = await Database.open(join(dataDir, "fleetline.duckdb"));
      try {
        const files = { query: db.all.bind(db) };
        const stored = await storedIdentities(files, `${prefix}-`);
        const doubled = await doubledReadings(files, `${prefix}-`);
        const visibleIn = `/api/health runtime: "${runtime.detail.split(";")[0]}"`;
        const lost = await report(
          "runtime SIGKILLed twice, once mid-burst",
          run,
          summary.sent + BURST,
          stored,
          doubled,
          stats,
          visibleIn,
        );
        expect(lost).toEqual([]);
        expect(run.acked.size).toBeGreaterThan(500);
      } finally {
        await db.close();
      }
    } finally {
      await dev?.stop("SIGKILL");
      await dir.remove();
    }
  }, 240_000);
});
