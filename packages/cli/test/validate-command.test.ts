import { describe, expect, it } from "vitest";
import type { Io } from "../src/io.js";
import { main } from "../src/main.js";

const NOW = 1_764_297_000_000;
const topic = (thing: string) => `dt/fleetline/freestyle/${thing}/telemetry`;

function payload(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    v: 1,
    seq: 1,
    ts: NOW - 1000,
    metrics: {
      cabinetTempC: 3.9,
      co2Kpa: 410,
      waterKpa: 280,
      pours: 3,
      cartridges: { cola: 62 },
      state: "idle",
    },
    ...overrides,
  });
}

function fakeIo(input: { stdin?: string; files?: Record<string, string>; tty?: boolean } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    stdinIsTTY: input.tty ?? false,
    stderrIsTTY: false,
    readStdin: async () => new TextEncoder().encode(input.stdin ?? ""),
    readFile: async (path) => {
      const text = input.files?.[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
      return new TextEncoder().encode(text);
    },
    ask: async () => "",
    now: () => NOW,
  };
  return { io, out: () => out.join(""), err: () => err.join("") };
}

async function run(args: string[], input?: Parameters<typeof fakeIo>[0]) {
  const fake = fakeIo(input);
  const code = await main(args, fake.io);
  return { code, out: fake.out(), err: fake.err() };
}

describe("fleetline validate", () => {
  it("prints ok and the canonical record for a valid payload on stdin, exit 0", async () => {
    const result = await run(["validate", "--topic", topic("fs-cli-1")], { stdin: payload() });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toMatchObject({
      ok: true,
      record: { thing: "fs-cli-1", receivedAt: NOW },
    });
  });

  it("reads the payload from a file", async () => {
    const result = await run(["validate", "--topic", topic("fs-cli-2"), "msg.json"], {
      files: { "msg.json": payload() },
    });
    expect(result.code).toBe(0);
  });

  it("prints the reason for an invalid payload, exit 1", async () => {
    const result = await run(["validate", "--topic", topic("fs-cli-3"), "-"], {
      stdin: payload({ seq: -5 }),
    });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.out)).toEqual({
      ok: false,
      reason: "OUT_OF_RANGE",
      detail: expect.stringContaining("seq"),
    });
  });

  it("uses --client-id, so another device's id is THING_MISMATCH", async () => {
    const result = await run(["validate", "--topic", topic("fs-cli-4"), "--client-id", "fs-other"], {
      stdin: payload(),
    });
    expect(JSON.parse(result.out)).toMatchObject({ reason: "THING_MISMATCH" });
  });

  it("judges ts against --received-at", async () => {
    const result = await run(
      ["validate", "--topic", topic("fs-cli-5"), "--received-at", String(NOW + 8 * 86_400_000)],
      {
        stdin: payload(),
      },
    );
    expect(JSON.parse(result.out)).toMatchObject({ reason: "TIMESTAMP_TOO_OLD" });
  });

  it("gives a BAD_TOPIC verdict, not a usage error, for a topic outside the contract", async () => {
    const result = await run(["validate", "--topic", "telemetry/fs-1"], { stdin: payload() });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.out)).toMatchObject({ reason: "BAD_TOPIC" });
  });

  it.each([
    [["validate"], "--topic is required"],
    [["validate", "--topic"], "--topic"],
    [["validate", "--topic", topic("fs-cli-6"), "--bogus"], "--bogus"],
    [["validate", "--topic", topic("fs-cli-6"), "--received-at", "yesterday"], "--received-at"],
    [
      ["validate", "--topic", topic("fs-cli-6"), "a.json", "b.json"],
      'unexpected argument "b.json": fleetline validate takes at most 1 argument',
    ],
    [["validate", "--topic", topic("fs-cli-6"), "missing.json"], "cannot read missing.json: ENOENT"],
    [["frobnicate"], "fleetline: unknown command 'frobnicate'; see fleetline --help"],
  ])("exits 2 with one line for %j", async (args, message) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.out).toBe("");
    expect(result.err).toContain(message);
    expect(result.err.trim().split("\n")).toHaveLength(1);
  });

  it("refuses to wait on a terminal when no payload is given", async () => {
    const result = await run(["validate", "--topic", topic("fs-cli-7")], { tty: true });
    expect(result).toMatchObject({ code: 2, err: expect.stringContaining("no payload") });
  });
});

describe("fleetline", () => {
  it("lists its commands with --help, exit 0", async () => {
    const result = await run(["--help"]);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^ {2}validate \[options\] \[file\] +judge one payload/m);
  });

  it("prints help and exits 2 when called without a command", async () => {
    expect((await run([])).code).toBe(2);
  });
});
