import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor } from "@fleetline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetlineAsync, startDev } from "../../packages/cli/test/dev-process.js";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(process.cwd(), ".tmp", "conformance-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const OWN_DEVICE = ["node", "devices/simulator/bin/fleetline-device.js"];
const SDK_DEVICE = ["node", "--import", "tsx", "e2e/firmware/devices/sdk-v2-device.ts"];
const NAIVE_DEVICE = ["node", "--import", "tsx", "e2e/firmware/devices/naive-device.ts"];

/** `fleetline conformance … -- <device>`: its exit code, its table's rows by case, and its JUnit report. */
async function qualify(name: string, flags: string[], device: string[]) {
  const junit = join(dir, `${name}.xml`);
  const run = await fleetlineAsync(["conformance", "--junit", junit, ...flags, "--", ...device], 180_000);
  const rows = new Map(
    run.out
      .split("\n")
      .filter((line) => line.startsWith("| ") && !line.startsWith("| case") && !line.startsWith("| ---"))
      .map((line) => {
        const [caseName, status, , did] = line.slice(2, -2).split(" | ");
        return [caseName as string, { status: status as string, did: did as string }];
      }),
  );
  return { ...run, rows, xml: await readFile(junit, "utf8").catch(() => "") };
}

describe("fleetline conformance, on three devices", () => {
  it("passes the project's device client on every case, fails the naive device on the named ones, and the SDK v2 sample on none it implements", async () => {
    const [own, sdk, naive] = await Promise.all([
      qualify("own", ["--type", "freestyle"], OWN_DEVICE),
      qualify(
        "sdk",
        [
          "--mtls",
          "--suite",
          "connect",
          "telemetry",
          "shadow",
          "qos1",
          "session",
          "store-and-forward",
          "limits",
          "keepalive",
        ],
        SDK_DEVICE,
      ),
      qualify("naive", ["--suite", "connect", "telemetry", "shadow", "reconnect"], NAIVE_DEVICE),
    ]);
    expect(own.code, own.out + own.err).toBe(0);
    expect([...own.rows.keys()]).toEqual([
      "connect",
      "telemetry",
      "shadow-get",
      "shadow-delta",
      "shadow-conflict",
      "qos1-redelivery",
      "reconnect-backoff",
      "resubscribe",
      "persistent-session",
      "store-and-forward",
      "iot-core-limits",
      "keepalive",
      "jobs",
      "jobs-reboot",
    ]);
    // A clean-session device: the persistent-session case does not apply to it; every other passes.
    expect(
      [...own.rows].every(([name, row]) => row.status === (name === "persistent-session" ? "n/a" : "passed")),
      own.out,
    ).toBe(true);
    expect(own.rows.get("jobs-reboot")?.did).toMatch(
      /^rebooted at IN_PROGRESS; back, it reported .*SUCCEEDED/,
    );
    expect(own.xml).toMatch(/<testsuites name="fleetline conformance" tests="14" failures="0" skipped="1"/);
    expect(own.xml.match(/<testcase /g)).toHaveLength(14);

    expect(sdk.code, sdk.out + sdk.err).toBe(0);
    expect(sdk.rows.get("qos1-redelivery")?.did).toMatch(/packet \d+, DUP set/);
    expect(sdk.rows.get("persistent-session")?.status).toBe("passed");
    expect(sdk.rows.get("shadow-conflict")?.status).toBe("passed");

    expect(naive.code).toBe(1);
    expect(naive.rows.get("connect")?.status).toBe("passed");
    expect(naive.rows.get("telemetry")?.status).toBe("passed");
    for (const failing of ["shadow-get", "shadow-delta", "shadow-conflict", "reconnect-backoff"])
      expect(naive.rows.get(failing)?.status, failing).toBe("failed");
    expect(naive.xml).toMatch(/<failure message="[^"]*"/);
  }, 240_000);

  it("says in one line per case when the device command cannot start or never connects, within bounded time, exit 1", async () => {
    const started = Date.now();
    const [missing, silent] = await Promise.all([
      qualify("missing", [], ["./no-such-firmware"]),
      qualify("silent", [], ["node", "-e", "setInterval(() => {}, 1000)"]),
    ]);
    for (const run of [missing, silent]) {
      expect(run.code).toBe(1);
      expect(run.rows.size).toBe(14);
      expect([...run.rows.values()].every((row) => row.status === "failed")).toBe(true);
    }
    for (const [name, row] of missing.rows)
      expect(row.did, name).toMatch(/could not start: spawn \.\/no-such-firmware ENOENT/);
    expect(silent.rows.get("connect")?.did).toBe("never connected as conformance-freestyle within 20 s");
    expect(silent.rows.get("keepalive")?.did).toBe("never connected as conformance-freestyle");
    // One wait of 20 s for the connection, then every other case at once.
    expect(Date.now() - started).toBeLessThan(45_000);
  }, 90_000);

  it("stops the device and the runtime when it is stopped itself (SIGTERM), leaving no process behind", async () => {
    const pidFile = join(dir, "device.pid");
    const device = `require("node:fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`;
    const bin = fileURLToPath(new URL("../../packages/cli/bin/fleetline.js", import.meta.url));
    const cli = spawn(process.execPath, [bin, "conformance", "--", "node", "-e", device], {
      stdio: "ignore",
    });
    const exited = new Promise<number | null>((resolve) => cli.once("exit", (code) => resolve(code)));
    const pid = await waitFor(
      async () => Number(await readFile(pidFile, "utf8").catch(() => "")) || undefined,
      "the device's pid",
    );
    cli.kill("SIGTERM");
    expect(await exited).toBe(143);
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive()).toBe(false);
  }, 60_000);

  it("--host: a device started by hand on the address given, with the settings the run prints", async () => {
    const bin = fileURLToPath(new URL("../../packages/cli/bin/fleetline.js", import.meta.url));
    // 127.0.0.2: an address of this machine other than the default, as a LAN address would be.
    const cli = spawn(
      process.execPath,
      [bin, "conformance", "--host", "127.0.0.2", "--mtls", "--suite", "connect", "telemetry", "jobs"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    cli.stdout.on("data", (chunk) => (out += chunk));
    cli.stderr.on("data", (chunk) => (err += chunk));
    const exited = new Promise<number | null>((resolve) => cli.once("exit", (code) => resolve(code)));
    const settings = await waitFor(() => {
      const env = Object.fromEntries(
        [...err.matchAll(/^(FLEETLINE_[A-Z_]+)=(.*)$/gm)].map((m) => [m[1] as string, m[2] as string]),
      );
      return env.FLEETLINE_CA ? env : undefined;
    }, "the settings printed for the device");
    expect(settings.FLEETLINE_MQTT_URL).toMatch(/^mqtts:\/\/127\.0\.0\.2:\d+$/);
    // The user starts the device with what was printed.
    const device = spawn(OWN_DEVICE[0] as string, OWN_DEVICE.slice(1), {
      env: { ...process.env, ...settings },
      stdio: "ignore",
    });
    try {
      expect(await exited, err).toBe(0);
    } finally {
      device.kill("SIGTERM");
    }
    expect(out).toMatch(/\| connect \| passed \| .* \| connected as conformance-freestyle/);
    expect(out).toMatch(/\| jobs \| passed \|/);
    // It cannot reboot a device it did not start.
    expect(out).toMatch(/\| jobs-reboot \| n\/a \| .* \| started outside the run/);
  }, 120_000);

  it("--url: qualifies on a running fleetline dev, through its API, and leaves its thing removed", async () => {
    const dev = await startDev(["--no-simulator"]);
    try {
      const run = await qualify(
        "url",
        ["--url", dev.http, "--suite", "connect", "shadow", "qos1", "jobs"],
        OWN_DEVICE,
      );
      expect(run.code, run.out + run.err).toBe(0);
      expect([...run.rows.values()].every((row) => row.status === "passed")).toBe(true);
      const things = (await (await fetch(`${dev.http}/api/things`)).json()) as Array<{ thing: string }>;
      expect(things.map((t) => t.thing)).not.toContain("conformance-freestyle");
    } finally {
      await dev.stop();
    }
  }, 120_000);

  it("refuses a missing device command, an unknown suite or --host with --url in one line, exit 2", async () => {
    const none = await fleetlineAsync(["conformance"]);
    expect(none.code).toBe(2);
    expect(none.err.trim().split("\n")).toHaveLength(1);
    const unknown = await fleetlineAsync(["conformance", "--suite", "warp", "--", "true"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/--suite must be among connect, .*, got "warp"/);
    const both = await fleetlineAsync([
      "conformance",
      "--host",
      "127.0.0.2",
      "--url",
      "http://127.0.0.1:9",
      "--",
      "true",
    ]);
    expect(both.code).toBe(2);
    expect(both.err.trim().split("\n")).toHaveLength(1);
    expect(both.err).toMatch(/--host is the address of the run's own runtime/);
  });
});
