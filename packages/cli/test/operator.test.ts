import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir, waitFor } from "../../local/test/helpers.js";
import { startMosquitto } from "../../local/test/mosquitto.js";
import { runCaptured } from "./captured-io.js";
import { type DevProcess, fleetlineAsync, freestyleTelemetry, startDev } from "./dev-process.js";

const bin = fileURLToPath(new URL("../bin/fleetline.js", import.meta.url));

/** A fleetline dev with its own two simulated devices (demo-fs-0001, demo-rb-0002). */
let dev: DevProcess;

beforeAll(async () => {
  dev = await startDev(["--in-memory", "--devices", "2", "--rate", "1", "--faults", "none"]);
}, 90_000);

afterAll(async () => {
  await dev?.stop();
});

const devices = async () =>
  (await (await fetch(`${dev.http}/api/devices`)).json()) as Array<{
    thing: string;
    connected: boolean | null;
  }>;
const health = async () =>
  (await (await fetch(`${dev.http}/api/health`)).json()) as {
    components: Array<{ name: string; status: string; detail: string }>;
  };

describe("fleetline status", () => {
  it("prints every component's health as a table, exit 0 while none is down", async () => {
    const result = await runCaptured(["status", "--url", dev.http]);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^pipeline (ok|degraded) \(checked /);
    for (const component of ["broker", "rules", "eventSource:validate", "store", "queues", "runtime"])
      expect(result.out).toMatch(new RegExp(`^${component}\\s+(ok|degraded)\\s+`, "m"));
    const json = await runCaptured(["status", "--url", dev.http, "--json"]);
    expect(JSON.parse(json.out).components.length).toBeGreaterThan(5);
  });
});

describe("fleetline tail", () => {
  it("prints each message on the broker matching its filters, as the runtime sees them, until Ctrl-C", async () => {
    const child = spawn(
      process.execPath,
      [bin, "tail", "dt/fleetline/freestyle/+/telemetry", "--json", "--url", dev.http],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    await waitFor(() => err.includes("following dt/fleetline/freestyle/+/telemetry"), "the subscription");
    const token = (
      (await (
        await fetch(`${dev.http}/api/things`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ thing: "fs-tail", type: "freestyle" }),
        })
      ).json()) as { token: string }
    ).token;
    const client = await mqtt.connectAsync(dev.mqtt, {
      clientId: "fs-tail",
      username: "fs-tail",
      password: token,
    });
    await client.publishAsync(
      "dt/fleetline/freestyle/fs-tail/telemetry",
      freestyleTelemetry(42, Date.now()),
      { qos: 1 },
    );
    await client.endAsync();
    const line = await waitFor(
      () => out.split("\n").find((l) => l.includes('"topic":"dt/fleetline/freestyle/fs-tail/telemetry"')),
      "the message",
    );
    const message = JSON.parse(line) as { clientId: string; payloadBase64: string };
    expect(message.clientId).toBe("fs-tail");
    expect(JSON.parse(Buffer.from(message.payloadBase64, "base64").toString())).toMatchObject({ seq: 42 });
    child.kill("SIGINT");
    expect(await new Promise((resolve) => child.on("exit", resolve))).toBe(0);
  });

  it("refuses what is no topic filter, as a usage error of the API", async () => {
    const result = await runCaptured(["tail", "a/#/b", "--url", dev.http]);
    expect(result.code).toBe(1);
    expect(result.err).toContain('filter: "a/#/b" is not an MQTT topic filter');
  });
});

describe("no collisions with fleetline dev's own devices", () => {
  it("simulates under other names by default, and refuses to take over a connected name", async () => {
    await waitFor(
      async () => (await devices()).filter((d) => d.thing.startsWith("demo-") && d.connected).length === 2,
      "the built-in devices",
    );
    const result = await fleetlineAsync([
      "simulate",
      "--url",
      dev.http,
      "--devices",
      "2",
      "--duration",
      "2s",
      "--json",
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out.trim().split("\n").at(-1) as string)).toMatchObject({
      devices: 2,
      failed: 0,
    });
    const taken = await fleetlineAsync([
      "simulate",
      "--url",
      dev.http,
      "--devices",
      "2",
      "--duration",
      "2s",
      "--prefix",
      "demo",
    ]);
    expect(taken.code).toBe(1);
    expect(taken.err).toContain("demo-fs-0001 is registered and connected now");
    expect(taken.err).toContain("--prefix");
    // fleetline dev's own devices keep their names and their connections.
    expect((await devices()).filter((d) => d.thing.startsWith("demo-")).map((d) => d.connected)).toEqual([
      true,
      true,
    ]);
  }, 60_000);

  it("names in /api/health a device refused again and again", async () => {
    const token = (
      (await (
        await fetch(`${dev.http}/api/things`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ thing: "fs-stale-token", type: "freestyle" }),
        })
      ).json()) as { token: string }
    ).token;
    expect(token).toMatch(/^flt_/);
    for (let i = 0; i < 10; i++)
      await mqtt
        .connectAsync(dev.mqtt, {
          clientId: "fs-stale-token",
          username: "fs-stale-token",
          password: "flt_old",
          reconnectPeriod: 0,
        })
        .then(
          (c) => c.endAsync(),
          () => undefined,
        );
    const broker = await waitFor(
      async () => (await health()).components.find((c) => c.name === "broker" && c.status === "degraded"),
      "the broker degraded",
    );
    expect(broker.detail).toMatch(
      /^fs-stale-token was refused 10 times in the last minute \(bad-credentials: /,
    );
  });

  it("adds a certificate to a thing registered with a token, as AWS IoT allows several", async () => {
    const dir = await tempDir("certs");
    try {
      expect(
        (await runCaptured(["devices", "add", "fs-both", "--type", "freestyle", "--url", dev.http])).code,
      ).toBe(0);
      const again = await runCaptured([
        "devices",
        "add",
        "fs-both",
        "--type",
        "freestyle",
        "--certs",
        dir.path,
        "--url",
        dev.http,
      ]);
      expect(again.code).toBe(0);
      expect(again.out).toMatch(
        /^fs-both \(freestyle\) was registered: added a certificate, its other credentials still work\ncertificate arn:aws:iot:[^\n]+:cert\/[0-9a-f]{64}\n/,
      );
      expect(await readFile(join(dir.path, "fs-both.cert.pem"), "utf8")).toContain("BEGIN CERTIFICATE");
      const twice = await runCaptured([
        "devices",
        "add",
        "fs-both",
        "--type",
        "freestyle",
        "--url",
        dev.http,
      ]);
      expect(twice.code).toBe(1);
      expect(twice.err).toContain(
        "thing fs-both already exists: remove it first (fleetline devices remove fs-both), choose another name, or add a certificate to it",
      );
    } finally {
      await dir.remove();
    }
  });
});

describe("fleetline status when something is down", () => {
  it("exits 1 with the table naming the component that is down, and 1 with one line when nothing answers", async () => {
    const dir = await tempDir("status-down");
    const broker = await startMosquitto(dir.path);
    const external = await startDev(["--in-memory", "--broker", broker.url]);
    try {
      await broker.stop();
      const result = await waitFor(async () => {
        const r = await runCaptured(["status", "--url", external.http]);
        return r.code === 1 ? r : undefined;
      }, "status to see the broker down");
      expect(result.out).toMatch(/^pipeline down /);
      expect(result.out).toMatch(
        /^broker\s+down\s+cannot reach the external broker mqtt:\/\/127\.0\.0\.1:\d+; reconnecting/m,
      );
    } finally {
      await external.stop();
      await dir.remove();
    }
    const gone = await runCaptured(["status", "--url", external.http]);
    expect(gone.code).toBe(1);
    expect(gone.err).toBe(
      `fleetline status: cannot reach fleetline at ${external.http}; is \`fleetline dev\` running?\n`,
    );
  });
});

describe("stopping fleetline dev", () => {
  it("drains on a Ctrl-C that comes the moment it says it is ready", async () => {
    // The signal is sent as the ready line is read, before the process could do anything after it.
    for (let run = 0; run < 3; run++) {
      const quick = await startDev(["--in-memory"]);
      const code = await quick.stop("SIGINT");
      expect(quick.output()).toContain(
        "fleetline dev: SIGINT: draining in-flight batches…\nfleetline dev: stopped\n",
      );
      expect(code).toBe(0);
    }
  });

  it("stops at once on a second Ctrl-C while the drain waits, and says so", async () => {
    // An external broker that stopped answering: the drain waits on it for as long as it is frozen.
    const dir = await tempDir("second-signal");
    const broker = await startMosquitto(dir.path);
    try {
      const stuck = await startDev(["--in-memory", "--broker", broker.url]);
      broker.freeze();
      stuck.child.kill("SIGINT");
      await waitFor(() => stuck.output().includes("SIGINT: draining"), "the drain").catch((error) => {
        throw new Error(
          `${error.message}; output:\n${stuck.output()} exit ${stuck.child.exitCode} signal ${stuck.child.signalCode}`,
        );
      });
      const code = await stuck.stop("SIGINT");
      expect(stuck.output()).toContain(
        "fleetline dev: second signal: stopping now, without draining; the next start resumes from the last checkpoints",
      );
      expect(stuck.output()).not.toContain("fleetline dev: stopped");
      expect(code).toBe(130);
    } finally {
      broker.thaw();
      await broker.stop();
      await dir.remove();
    }
  });
});
