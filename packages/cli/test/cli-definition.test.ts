import { spawn, spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../local/test/helpers.js";
import { buildProgram } from "../src/program.js";
import { runCaptured } from "./captured-io.js";

const bin = fileURLToPath(new URL("../bin/fleetline.js", import.meta.url));
const COMMANDS = [
  "dev",
  "status",
  "devices",
  "simulate",
  "jobs",
  "provisioning",
  "tail",
  "logs",
  "replay",
  "redrive",
  "validate",
  "conformance",
  "provision",
  "cost",
  "bench",
  "reset",
  "completion",
];

describe("the fleetline command's one definition", () => {
  it("defines every command, each with a help of its own: its flags, their defaults, examples", async () => {
    const silent = {
      stdout: () => undefined,
      stderr: () => undefined,
      stdinIsTTY: false,
      stderrIsTTY: false,
      readStdin: async () => new Uint8Array(),
      readFile: async () => new Uint8Array(),
      ask: async () => "",
      now: () => 0,
    };
    const program = buildProgram(silent, { code: 0 });
    expect(program.commands.map((c) => c.name()).filter((n) => n !== "help")).toEqual(COMMANDS);
    const global = (await runCaptured(["--help"])).out;
    for (const command of COMMANDS) {
      const help = await runCaptured([command, "--help"]);
      expect(help.code, command).toBe(0);
      expect(help.out, command).toMatch(new RegExp(`^Usage: fleetline ${command} `));
      expect(help.out).not.toBe(global);
      if (!["devices", "jobs", "provisioning"].includes(command))
        expect(help.out, command).toContain("Examples:");
    }
    // A command of subcommands: each of its own has examples.
    for (const sub of ["create", "list", "describe", "cancel"])
      expect((await runCaptured(["jobs", sub, "--help"])).out, `jobs ${sub}`).toContain("Examples:");
    for (const sub of ["templates", "template", "claim"])
      expect((await runCaptured(["provisioning", sub, "--help"])).out, `provisioning ${sub}`).toContain(
        "Examples:",
      );
    // Help wraps at the terminal's width: compared with the lines joined.
    const simulate = (await runCaptured(["simulate", "--help"])).out.replace(/\s+/g, " ");
    for (const said of [
      "--devices <n>",
      "(default: 10)",
      "(default: 30s)",
      "--prefix",
      "--start",
      "env: FLEETLINE_URL",
      "env: FLEETLINE_API_TOKEN",
    ])
      expect(simulate).toContain(said);
    expect((await runCaptured(["dev", "--help"])).out.replace(/\s+/g, " ")).toMatch(
      /--rate <hz> [^(]*\(default: 0\.2\)/,
    );
    expect((await runCaptured(["devices", "add", "--help"])).out).toContain(
      "Usage: fleetline devices add [options] <thing>",
    );
  });

  it.each([
    [
      ["simulate", "--devices", "-5"],
      'fleetline simulate: --devices must be a whole number of at least 1, got "-5" (e.g. --devices 10)',
    ],
    [
      ["devices", "add", "bad name!", "--type", "freestyle"],
      'fleetline devices add: a thing name is 1–64 of letters, digits, _ and -, got "bad name!" (e.g. fs-1)',
    ],
    [
      ["devices", "add", "fs-1", "--type", "soda"],
      'fleetline devices add: --type must be one of freestyle, robot, got "soda" (e.g. --type freestyle)',
    ],
    [
      ["redrive", "--quarantine", "--reason", "BOGUS"],
      /^fleetline redrive: --reason must be one of MALFORMED_JSON, .* got "BOGUS" \(e\.g\. --reason MALFORMED_JSON\)$/,
    ],
    [
      ["redrive", "--quarantine", "--since", "yesterday"],
      /^fleetline redrive: --since must be an ISO-8601 instant or epoch milliseconds, got "yesterday" \(e\.g\. --since 2026-12-01T00:00:00Z/,
    ],
    [
      ["simulate", "--target", "aws"],
      /^fleetline simulate: --target aws needs --endpoint with your AWS IoT data endpoint, got "" \(e\.g\. --endpoint abc123-ats\.iot\.eu-west-1\.amazonaws\.com/,
    ],
    [
      ["logs", "--url", "ftp://x"],
      'fleetline logs: --url must be a URL with http: or https: such as http://127.0.0.1:8080, got "ftp://x"',
    ],
    [
      ["dev", "--broker", "http://x"],
      'fleetline dev: --broker must be a URL with mqtt: or mqtts: such as mqtt://127.0.0.1:1883, got "http://x"',
    ],
    [
      ["simulate", "--duratio", "5s"],
      "fleetline simulate: unknown option '--duratio' (did you mean --duration?); see fleetline simulate --help",
    ],
    [["simulat"], "fleetline: unknown command 'simulat' (did you mean simulate?); see fleetline --help"],
    [
      ["cost", "--devices", "10", "--interval", "60"],
      'fleetline cost: --interval needs a unit (ms, s, m, h or d), got "60" (e.g. --interval 60s)',
    ],
    [
      ["cost", "--devices", "10", "--payload-bytes", "200000"],
      /^fleetline cost: --payload-bytes is at most 131072 \(AWS IoT Core's 128 KB message limit\)/,
    ],
    [
      ["reset", "--data-dir", "/tmp/nothing-here-fleetline"],
      "fleetline reset: there is no terminal to ask before removing /tmp/nothing-here-fleetline and everything in it: pass --yes (e.g. fleetline reset --yes)",
    ],
  ] as const)("answers %j with one whole sentence, exit 2", async (args, said) => {
    const result = await runCaptured([...args]);
    expect(result.code).toBe(2);
    const lines = result.err.trim().split("\n");
    expect(lines).toHaveLength(1);
    if (typeof said === "string") expect(lines[0]).toBe(said);
    else expect(lines[0]).toMatch(said);
  });

  it("reads FLEETLINE_URL wherever it talks to a runtime", async () => {
    process.env.FLEETLINE_URL = "http://127.0.0.1:9";
    try {
      const result = await runCaptured(["status"]);
      expect(result.code).toBe(1);
      expect(result.err).toBe(
        "fleetline status: cannot reach fleetline at http://127.0.0.1:9; is `fleetline dev` running?\n",
      );
    } finally {
      delete process.env.FLEETLINE_URL;
    }
  });
});

describe("fleetline completion", () => {
  it("completes subcommands and flags in bash, from the definition", () => {
    const complete = (words: string[]) =>
      spawnSync(
        "bash",
        [
          "-c",
          `source <(${process.execPath} ${bin} completion bash); COMP_WORDS=(${words.join(" ")}); COMP_CWORD=${words.length - 1}; _fleetline; echo "\${COMPREPLY[*]}"`,
        ],
        { encoding: "utf8", timeout: 30_000 },
      ).stdout.trim();
    expect(complete(["fleetline", "sim"])).toBe("simulate");
    expect(complete(["fleetline", "devices", "re"])).toBe("remove");
    expect(complete(["fleetline", "simulate", "--dur"])).toBe("--duration");
    expect(complete(["fleetline", "devices", "add", "--ce"])).toBe("--certs");
  });
});

describe("fleetline reset", () => {
  it("removes a data dir fleetline made, and refuses a live one or a folder that is no data dir", async () => {
    const dir = await tempDir("reset");
    try {
      const data = join(dir.path, "data");
      await mkdir(join(data, "kinesis"), { recursive: true });
      await writeFile(join(data, "fleetline.duckdb"), "");
      // A run that is on it now: this process, alive.
      await writeFile(join(data, "running.json"), JSON.stringify({ pid: process.pid, startedAt: 1 }));
      const live = await runCaptured(["reset", "--data-dir", data, "--yes"]);
      expect(live).toMatchObject({ code: 1 });
      expect(live.err).toBe(
        `fleetline reset: fleetline dev (PID ${process.pid}) is running on ${data}; stop it first (Ctrl-C)\n`,
      );
      await writeFile(join(data, "running.json"), JSON.stringify({ pid: 2 ** 22 + 7, startedAt: 1 }));
      expect(await runCaptured(["reset", "--data-dir", data, "--yes"])).toMatchObject({
        code: 0,
        out: `removed ${data}\n`,
      });
      expect(await runCaptured(["reset", "--data-dir", data, "--yes"])).toMatchObject({
        code: 0,
        out: `${data} does not exist: nothing to remove\n`,
      });
      const elsewhere = join(dir.path, "photos");
      await mkdir(elsewhere);
      await writeFile(join(elsewhere, "cat.jpg"), "");
      const refused = await runCaptured(["reset", "--data-dir", elsewhere, "--yes"]);
      expect(refused.code).toBe(1);
      expect(refused.err).toContain("does not look like a fleetline data dir");
    } finally {
      await dir.remove();
    }
  });
});

describe("the executable's output", () => {
  it("ends quietly when its reader goes away, with no stack trace", async () => {
    const child = spawn(process.execPath, [bin, "cost", "--devices", "100"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.destroy();
    let err = "";
    child.stderr.on("data", (chunk) => (err += chunk));
    const code = await new Promise((resolve) => child.on("exit", resolve));
    expect(code).toBe(0);
    expect(err).not.toMatch(/EPIPE|\bat .*:\d+:\d+/);
  });
});
