import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor } from "@fleetline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetlineAsync } from "../../packages/cli/test/dev-process.js";

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
      "qos1-redelivery",
      "reconnect-backoff",
      "resubscribe",
      "store-and-forward",
      "iot-core-limits",
      "keepalive",
      "jobs",
    ]);
    expect(
      [...own.rows.values()].every((row) => row.status === "passed"),
      own.out,
    ).toBe(true);
    expect(own.xml).toMatch(/<testsuites name="fleetline conformance" tests="11" failures="0" skipped="0"/);
    expect(own.xml.match(/<testcase /g)).toHaveLength(11);

    expect(sdk.code, sdk.out + sdk.err).toBe(0);
    expect(sdk.rows.get("qos1-redelivery")?.did).toMatch(/packet \d+, DUP set/);

    expect(naive.code).toBe(1);
    expect(naive.rows.get("connect")?.status).toBe("passed");
    expect(naive.rows.get("telemetry")?.status).toBe("passed");
    for (const failing of ["shadow-get", "shadow-delta", "reconnect-backoff"])
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
      expect(run.rows.size).toBe(11);
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

  it("refuses a missing device command or an unknown suite in one line, exit 2", async () => {
    const none = await fleetlineAsync(["conformance"]);
    expect(none.code).toBe(2);
    expect(none.err.trim().split("\n")).toHaveLength(1);
    const unknown = await fleetlineAsync(["conformance", "--suite", "warp", "--", "true"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/--suite must be among connect, .*, got "warp"/);
  });
});
