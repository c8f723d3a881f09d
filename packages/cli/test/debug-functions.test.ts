import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { InjectedFailures, Runtime } from "@fleetline/local";
import { hold, settle, waitFor } from "@fleetline/testing";
import mqtt from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DuckDbQuarantine } from "../../local/src/stores/duckdb-quarantine.js";
import { interceptKinesis, startRuntime } from "../../local/test/helpers.js";
import { FunctionWatcher } from "../src/dev/function-watcher.js";
import { fleetline, fleetlineAsync, freestyleTelemetry } from "./dev-process.js";

const FUNCTIONS_SRC = fileURLToPath(new URL("../../functions/src/", import.meta.url));

let dir: string;
let runtime: Runtime;
const failures: InjectedFailures = {};
let watcher: FunctionWatcher;
const said: string[] = [];

/** The store handler, edited to say which version ran on each batch. */
const STORE_HANDLER = "handlers/store-handler.ts";
const HANDLERS = "handlers/index.ts";
const ORIGINAL = "  return streamHandler(storeRecords, ports, logger, deadLetters);";
const version = (v: string) =>
  `  const handler = streamHandler(storeRecords, ports, logger, deadLetters);\n` +
  `  return async (event: Parameters<typeof handler>[0], context: Parameters<typeof handler>[1]) => {\n` +
  `    process.stdout.write("store ${v}\\n");\n` +
  `    return handler(event, context);\n` +
  `  };`;

beforeAll(async () => {
  // A copy of the functions' sources to edit: the repository's own stay untouched.
  dir = await mkdtemp(join(process.cwd(), ".tmp", "dev-watch-"));
  await cp(FUNCTIONS_SRC, join(dir, "src"), { recursive: true });
  // A failed batch is retried within a second, so a dead-lettered batch is quick to make.
  runtime = await startRuntime({ eventSourceRetryDelayMs: 20, failures });
  watcher = new FunctionWatcher({
    paths: [join(dir, "src")],
    entry: join(dir, "src", HANDLERS),
    reload: (factories) => runtime.reloadFunctions(factories),
    say: (line) => said.push(line),
    debounceMs: 50,
  });
  watcher.start();
});

afterAll(async () => {
  await watcher?.stop();
  await runtime?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Edits a source file; resolves with the watcher's first line about it that has `expected`. */
async function edit(file: string, change: (text: string) => string, expected: string): Promise<string> {
  const from = said.length;
  const path = join(dir, "src", file);
  await writeFile(path, change(await readFile(path, "utf8")));
  return waitFor(
    () => said.slice(from).find((l) => l.includes(expected)),
    `the watcher to say "${expected}"`,
    20_000,
  );
}

/** Puts every edited file back as the repository has it, and waits for the rebuild. */
afterEach(async () => {
  for (const file of [STORE_HANDLER, HANDLERS]) {
    const original = await readFile(join(FUNCTIONS_SRC, file), "utf8");
    if ((await readFile(join(dir, "src", file), "utf8")) !== original)
      await edit(file, () => original, "rebuilt");
  }
});

const storeLines = () =>
  runtime.invocations.log
    .list({ functionName: "store", limit: 200 })
    .items.flatMap((record) => record.logs.map((log) => log.line))
    .filter((line) => line.startsWith("store v"));

describe("fleetline dev --watch", () => {
  it("runs an edited handler from the next batch while a device publishes, losing and doubling nothing; a broken edit keeps the old code", async () => {
    const { token } = await runtime.registry.register("fs-watch", "freestyle");
    const device = await mqtt.connectAsync(runtime.urls.mqtt, {
      clientId: "fs-watch",
      username: "fs-watch",
      password: token,
    });
    type Stats = { stored: number; duplicates: number };
    const before = (await (await fetch(`${runtime.urls.http}/api/stats`)).json()) as Stats;
    let seq = 0;
    let publishing = true;
    const publisher = (async () => {
      while (publishing) {
        seq += 1;
        await device.publishAsync(
          "dt/fleetline/freestyle/fs-watch/telemetry",
          freestyleTelemetry(seq, Date.now()),
          {
            qos: 1,
          },
        );
        await hold(20);
      }
    })();
    try {
      // Batches stored by the code the runtime started with, then the edit.
      await waitFor(
        () => runtime.invocations.log.list({ functionName: "store" }).items.length > 0,
        "a batch stored",
      );
      const rebuilt = await edit(STORE_HANDLER, (text) => text.replace(ORIGINAL, version("v2")), "rebuilt");
      expect(rebuilt).toContain("store-handler.ts");
      await waitFor(() => storeLines().includes("store v2"), "a batch stored by v2");

      // A syntax error: the build fails, one line says so, and v2 keeps serving.
      const refused = await edit(
        STORE_HANDLER,
        (text) => text.replace("store v2", "store v3").replace("return async", "return async ((("),
        "did not build",
      );
      expect(refused).toMatch(/store-handler\.ts:\d+: .*the previous code keeps serving$/);
      const served = storeLines().length;
      await waitFor(() => storeLines().length > served + 2, "more batches stored by v2");
      expect(storeLines()).not.toContain("store v3");
    } finally {
      publishing = false;
      await publisher;
      await device.endAsync();
    }
    await settle(runtime.urls.http);
    const after = (await (await fetch(`${runtime.urls.http}/api/stats`)).json()) as Stats;
    // Every acknowledged report stored once: none lost across the swaps, no batch run twice.
    expect(after.stored - before.stored).toBe(seq);
    expect(after.duplicates - before.duplicates).toBe(0);
  }, 90_000);

  it("refuses a module whose handlers cannot be built, keeping the previous code", async () => {
    const refused = await edit(
      HANDLERS,
      (text) => `${text}\nthrow new Error("broken at import");\n`,
      "cannot start",
    );
    expect(refused).toContain("cannot start (broken at import); the previous code keeps serving");
    await edit(HANDLERS, (text) => text.replace('\nthrow new Error("broken at import");\n', ""), "rebuilt");
  }, 60_000);
});

type Stats = { stored: number; duplicates: number; deadLettered: number };
const stats = async () => (await (await fetch(`${runtime.urls.http}/api/stats`)).json()) as Stats;

async function device(thing: string) {
  const { token } = await runtime.registry.register(thing, "freestyle");
  return mqtt.connectAsync(runtime.urls.mqtt, { clientId: thing, username: thing, password: token });
}

describe("after a fix: replay and fleetline redrive", () => {
  it("replays a failed invocation and redrives the dead-lettered batches into the store, each row once", async () => {
    const before = await stats();
    await edit(
      STORE_HANDLER,
      (text) => text.replace(ORIGINAL, '  return async () => {\n    throw new Error("store bug");\n  };'),
      "rebuilt",
    );
    const client = await device("fs-redrive");
    for (let seq = 1; seq <= 3; seq++)
      await client.publishAsync(
        "dt/fleetline/freestyle/fs-redrive/telemetry",
        freestyleTelemetry(seq, Date.now()),
        {
          qos: 1,
        },
      );
    await client.endAsync();
    // Retried, then given up on: the event source's on-failure records name the batches.
    await settle(runtime.urls.http);
    expect((await stats()).deadLettered).toBeGreaterThan(before.deadLettered);
    const [failed] = runtime.invocations.log.list({ functionName: "store", status: "error" }).items;
    expect(failed?.error?.message).toBe("store bug");

    const original = await readFile(join(FUNCTIONS_SRC, STORE_HANDLER), "utf8");
    await edit(STORE_HANDLER, () => original, "rebuilt");
    const replayed = await runtime.invocations.replay(failed?.id as string);
    expect(replayed.status).toBe("ok");
    expect((await stats()).stored).toBe(before.stored + (failed?.batchSize ?? 0));

    const redriven = await fleetlineAsync(["redrive", "--dead-letter", "--url", runtime.urls.http]);
    expect(redriven.code).toBe(0);
    expect(redriven.out).toMatch(/^redrove (\d+) of \1 from the dead-letter queue\n$/);
    await settle(runtime.urls.http);
    // All three stored once: the replayed batch again is a duplicate, not a second row.
    expect((await stats()).stored).toBe(before.stored + 3);
    const again = await fleetlineAsync(["redrive", "--dead-letter", "--url", runtime.urls.http]);
    expect(again).toMatchObject({ code: 0, out: "nothing to redrive in the dead-letter queue\n" });
  }, 60_000);

  it("redrives quarantined messages that the contract now accepts, keeping the rest with their reason", async () => {
    const before = await stats();
    const client = await device("fs-quarantined");
    await client.publishAsync("dt/fleetline/freestyle/fs-quarantined/telemetry", "{not json", { qos: 1 });
    await client.endAsync();
    await settle(runtime.urls.http);
    // Quarantined under an older contract, valid under today's.
    const quarantine = await DuckDbQuarantine.open(runtime.probe.database());
    const payload = freestyleTelemetry(1, Date.now());
    await quarantine.put([
      {
        messageId: "old-contract-1",
        receivedAt: Date.now(),
        topic: "dt/fleetline/freestyle/fs-quarantined/telemetry",
        clientId: "fs-quarantined",
        reason: "UNKNOWN_FIELD",
        detail: "metrics.pours: not in the contract of the time",
        payloadBase64: Buffer.from(payload).toString("base64"),
      },
    ]);
    const args = ["redrive", "--quarantine", "--thing", "fs-quarantined", "--url", runtime.urls.http];
    const first = await fleetlineAsync(args);
    expect(first.code).toBe(1);
    expect(first.out).toMatch(/^redrove 1 of 2 from the quarantine\nkept \S+: MALFORMED_JSON: /);
    await settle(runtime.urls.http);
    expect((await stats()).stored).toBe(before.stored + 1);
    const second = await fleetlineAsync(args);
    expect(second.code).toBe(1);
    expect(second.out).toMatch(/^redrove 0 of 1 from the quarantine\n/);
    await settle(runtime.urls.http);
    expect((await stats()).stored).toBe(before.stored + 1);
  }, 60_000);

  it("redrives the rule's error-action messages through the rule once the stream takes them", async () => {
    const before = await stats();
    // Kinesis refuses this thing's records, as it would a malformed request: the rule's error
    // action takes them to fleetline-rule-errors.
    const restore = interceptKinesis(failures, async (command) => {
      if (command.input.Records?.some((r) => r.PartitionKey === "fs-rule-error"))
        throw Object.assign(new Error("1 validation error detected"), {
          name: "ValidationException",
          $fault: "client",
          $metadata: { httpStatusCode: 400 },
        });
    });
    try {
      const client = await device("fs-rule-error");
      for (let seq = 1; seq <= 2; seq++)
        await client.publishAsync(
          "dt/fleetline/freestyle/fs-rule-error/telemetry",
          freestyleTelemetry(seq, Date.now()),
          {
            qos: 1,
          },
        );
      await client.endAsync();
    } finally {
      restore();
    }
    await settle(runtime.urls.http);
    expect((await stats()).stored).toBe(before.stored);
    const redriven = await fleetlineAsync(["redrive", "--rule-errors", "--url", runtime.urls.http]);
    expect(redriven).toMatchObject({ code: 0, out: "redrove 2 of 2 from the rule-errors queue\n" });
    await settle(runtime.urls.http);
    expect((await stats()).stored).toBe(before.stored + 2);
    const again = await fleetlineAsync(["redrive", "--rule-errors", "--url", runtime.urls.http]);
    expect(again).toMatchObject({ code: 0, out: "nothing to redrive in the rule-errors queue\n" });
  }, 60_000);

  it.each([
    [["redrive"], "exactly one of --dead-letter, --quarantine, --rule-errors"],
    [["redrive", "--dead-letter", "--rule-errors"], "exactly one of"],
    [["redrive", "--dead-letter", "--thing", "x"], "use them with --quarantine"],
  ])("refuses %j in one line, exit 2", (args, message) => {
    const result = fleetline(args);
    expect(result.code).toBe(2);
    expect(result.err.trim().split("\n")).toHaveLength(1);
    expect(result.err).toContain(message);
  });
});
