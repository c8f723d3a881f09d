import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Runtime } from "@fleetline/local";
import { settle, waitFor } from "@fleetline/testing";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FunctionWatcher } from "../src/dev/function-watcher.js";
import { freestyleTelemetry } from "./dev-process.js";

const FUNCTIONS_SRC = fileURLToPath(new URL("../../functions/src/", import.meta.url));

let dir: string;
let runtime: Runtime;
let watcher: FunctionWatcher;
const said: string[] = [];

/** The store handler, edited to say which version ran on each batch. */
const STORE_HANDLER = "store/store-handler.ts";
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
  runtime = await Runtime.start({
    host: "127.0.0.1",
    mqttPort: 0,
    wsPort: 0,
    httpPort: 0,
    kinesisPort: 0,
    version: "test",
  });
  watcher = new FunctionWatcher({
    paths: [join(dir, "src")],
    entry: join(dir, "src/handlers.ts"),
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

const storeLines = () =>
  runtime.functions.log
    .list({ functionName: "store", limit: 200 })
    .items.flatMap((record) => record.logs.map((log) => log.line))
    .filter((line) => line.startsWith("store v"));

describe("fleetline dev --watch", () => {
  it("runs an edited handler from the next batch while a device publishes, losing and doubling nothing; a broken edit keeps the old code", async () => {
    const { token } = await runtime.twins.registry.register("fs-watch", "freestyle");
    const device = await mqtt.connectAsync(runtime.twins.mqttUrl, {
      clientId: "fs-watch",
      username: "fs-watch",
      password: token,
    });
    type Stats = { stored: number; duplicates: number };
    const before = (await (await fetch(`${runtime.http.url}/api/stats`)).json()) as Stats;
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
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    try {
      // Batches stored by the code the runtime started with, then the edit.
      await waitFor(() => runtime.twins.eventSources.stats.get("store")?.invocations, "a batch stored");
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
    await settle(runtime.http.url);
    const after = (await (await fetch(`${runtime.http.url}/api/stats`)).json()) as Stats;
    // Every acknowledged report stored once: none lost across the swaps, no batch run twice.
    expect(after.stored - before.stored).toBe(seq);
    expect(after.duplicates - before.duplicates).toBe(0);
  }, 90_000);

  it("refuses a module whose handlers cannot be built, keeping the previous code", async () => {
    const refused = await edit(
      "handlers.ts",
      (text) => `${text}\nthrow new Error("broken at import");\n`,
      "cannot start",
    );
    expect(refused).toContain("cannot start (broken at import); the previous code keeps serving");
    await edit(
      "handlers.ts",
      (text) => text.replace('\nthrow new Error("broken at import");\n', ""),
      "rebuilt",
    );
  }, 60_000);
});
