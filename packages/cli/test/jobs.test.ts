import { describe, expect, it } from "vitest";
import { fleetline } from "./dev-process.js";

// Nothing listens here: every refusal below comes before the command talks to a runtime.
const NOWHERE = ["--url", "http://127.0.0.1:9"];
const DOC = ["--document-json", '{"operation":"firmware","version":"2.1.0"}'];

describe("fleetline jobs, refusing bad arguments", () => {
  it.each([
    [
      ["jobs", "create", "fw 1", "--type", "robot", ...DOC],
      'a job id is 1–64 of letters, digits, _ and -, got "fw 1" (e.g. fw-2-1-0)',
    ],
    [
      ["jobs", "create", "fw-1", ...DOC],
      "give the targets with --things NAME…, --type robot|freestyle or --group NAME (e.g. --type robot)",
    ],
    [
      ["jobs", "create", "fw-1", "--things", ...Array.from({ length: 101 }, (_, n) => `rb-${n}`), ...DOC],
      "--things names 101 things; a job has at most 100 targets (AWS IoT's limit): target more with --type or --group",
    ],
    [
      ["jobs", "create", "fw-1", "--things", "rb 1", ...DOC],
      '--things: "rb 1" is not a thing name (e.g. --things rb-1 rb-2)',
    ],
    [
      ["jobs", "create", "fw-1", "--type", "robot"],
      `give the job document with --document FILE or --document-json TEXT (e.g. --document-json '{"operation":"firmware","version":"2.1.0"}')`,
    ],
    [
      ["jobs", "create", "fw-1", "--type", "robot", "--document-json", "{nope"],
      `the job document is not JSON (e.g. --document-json '{"operation":"firmware","version":"2.1.0"}')`,
    ],
    [
      ["jobs", "create", "fw-1", "--type", "robot", "--document-json", `{"pad":"${"x".repeat(32_768)}"}`],
      "the job document is 32778 bytes; AWS IoT takes at most 32768 (32 KB)",
    ],
    [
      ["jobs", "create", "fw-1", "--type", "robot", "--document", "/nonexistent/fw.json"],
      "--document: cannot read /nonexistent/fw.json: ENOENT",
    ],
    [
      ["jobs", "create", "fw-1", "--type", "robot", ...DOC, "--rate", "5000"],
      '--rate must be a whole number from 1 to 1000, got "5000" (e.g. --rate 300)',
    ],
    [
      ["jobs", "create", "fw-1", "--type", "robot", ...DOC, "--base-rate", "10"],
      "--base-rate needs --increment-factor and --increase-after (e.g. --base-rate 10 --increment-factor 2 --increase-after 50)",
    ],
    [
      ["jobs", "create", "fw-1", "--type", "robot", ...DOC, "--abort-after", "100"],
      "--abort-after and --abort-threshold go together (e.g. --abort-after 100 --abort-threshold 5)",
    ],
    [
      ["jobs", "create", "fw-1", "--type", "robot", ...DOC, "--timeout", "10s"],
      "--timeout is 1m to 7d (e.g. --timeout 30m)",
    ],
    [
      ["jobs", "create", "fw-1", "--type", "robot", ...DOC, "--presign-role", "JobsPresignRole"],
      `--presign-role is an IAM role ARN, got "JobsPresignRole" (e.g. the stage's JobsPresignRole output, arn:aws:iam::123456789012:role/prod-fleetline-JobsPresignRole)`,
    ],
    [
      ["jobs", "create", "fw-1", "--type", "robot", ...DOC, "--abort-on", "SOMETIMES"],
      expect.stringMatching(/^--abort-on must be one of FAILED, REJECTED, TIMED_OUT, ALL/),
    ],
    [["jobs", "list", "--status", "DONE"], expect.stringMatching(/^--status must be one of IN_PROGRESS/)],
  ])("refuses %j in one line, exit 2", (args, message) => {
    const result = fleetline([...args, ...NOWHERE]);
    expect(result.code).toBe(2);
    const [line, ...rest] = result.err.split("\n");
    expect(rest).toEqual([""]);
    expect(line?.replace(/^fleetline jobs (create|list): /, "")).toEqual(message);
  });

  it("says in one line that nothing answers at the URL, exit 1", () => {
    const result = fleetline(["jobs", "list", ...NOWHERE]);
    expect(result.code).toBe(1);
    expect(result.err.trim().split("\n")).toHaveLength(1);
  });
});
