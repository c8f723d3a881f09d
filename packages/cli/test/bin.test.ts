import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../bin/fleetline.js", import.meta.url));

function fleetline(args: string[], stdin: string) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    input: stdin,
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

const freestyle = (extra: string) =>
  `{"v":1,"seq":1,"ts":${Date.now()},"metrics":{"cabinetTempC":3.9,"co2Kpa":410,"waterKpa":280,"pours":3,"cartridges":{"cola":62,"lemon":8},"state":"idle"${extra}}}`;
const topic = ["validate", "--topic", "dt/fleetline/freestyle/fs-1/telemetry"];

describe("the fleetline executable", () => {
  it("accepts a valid freestyle payload on stdin: exit 0", () => {
    const result = fleetline(topic, freestyle(""));
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^\{"ok":true,/);
  });

  it("names FORBIDDEN_KEY for __proto__ and UNKNOWN_FIELD for an unknown metric: exit 1", () => {
    const proto = fleetline(topic, '{"v":1,"__proto__":{"admin":true}}');
    expect(proto.code).toBe(1);
    expect(JSON.parse(proto.out)).toMatchObject({ ok: false, reason: "FORBIDDEN_KEY" });
    const unknown = fleetline(topic, freestyle(',"sugarLevel":3'));
    expect(JSON.parse(unknown.out)).toMatchObject({ ok: false, reason: "UNKNOWN_FIELD" });
  });

  it("answers misuse with one line and exit 2, never a stack trace", () => {
    const result = fleetline(["validate", "--nope"], "");
    expect(result.code).toBe(2);
    expect(result.err.trim().split("\n")).toHaveLength(1);
    expect(result.err).not.toMatch(/\bat .*:\d+:\d+/);
  });
});
