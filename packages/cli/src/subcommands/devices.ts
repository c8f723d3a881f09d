import { mkdir, writeFile } from "node:fs/promises";
import { DEVICE_TYPES, isThingName } from "@fleetline/core/devices";
import { type Command, Option } from "commander";
import type { Io } from "../io.js";
import { apiTokenOption, jsonOption, oneOf, urlOption } from "../options.js";
import { ApiError, callApi } from "../runtime-api.js";
import { type Definer, examples, run } from "../subcommand-kit.js";
import { EXIT, UsageError } from "../usage.js";

/** What registering answers: a token from fleetline dev, a certificate and key from the API on AWS. */
type Created = { thing: string; type: string } & (
  | { token: string }
  | { certificateArn: string; certificatePem: string; privateKey: string; caPem?: string }
);

/** AWS IoT credentials are files: written where `fleetline simulate --target aws --certs DIR` reads them. */
async function saveCertificate(created: Created, dir: string): Promise<string> {
  if (!("certificatePem" in created)) return `token ${created.token}\n`;
  const { certFiles } = await import("@fleetline/simulator");
  const files = certFiles(dir, created.thing);
  await mkdir(dir, { recursive: true });
  await writeFile(files.certPath, created.certificatePem);
  await writeFile(files.keyPath, created.privateKey, { mode: 0o600 });
  // fleetline dev's own CA: what the device trusts the broker by, as AWS IoT's by Amazon's root CA.
  if (created.caPem) await writeFile(files.localCaPath, created.caPem);
  const ca = created.caPem ? ` and ${files.localCaPath}` : "";
  return `certificate ${created.certificateArn}\nwritten to ${files.certPath}, ${files.keyPath}${ca}\n`;
}

interface DevicesOptions {
  url: string;
  apiToken?: string;
  json?: boolean;
}

/** A thing name as AWS IoT and the contract take it, else a usage error. */
function thingName(value: string): string {
  if (!isThingName(value))
    throw new UsageError(`a thing name is 1–64 of letters, digits, _ and -, got "${value}" (e.g. fs-1)`);
  return value;
}

/** An API refusal is a failure the command reports: one line, exit 1. */
async function reported(io: Io, work: () => Promise<number>): Promise<number> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError) {
      io.stderr(`fleetline devices: ${error.message}\n`);
      return EXIT.invalid;
    }
    throw error;
  }
}

async function add(
  thing: string,
  options: DevicesOptions & { type: string; certs?: string },
  io: Io,
): Promise<number> {
  const { url, apiToken } = options;
  const register = () =>
    callApi(
      url,
      "/api/things",
      // --certs asks fleetline dev for a certificate instead of a token (AWS issues one anyway).
      {
        method: "POST",
        body: JSON.stringify({
          thing,
          type: options.type,
          credentials: options.certs ? "certificate" : undefined,
        }),
      },
      apiToken,
    );
  let response: Response;
  let existed = false;
  try {
    response = await register();
  } catch (error) {
    // A thing may have several certificates, as on AWS: --certs on one that exists adds one.
    if (!(error instanceof ApiError && error.status === 409 && options.certs)) throw error;
    existed = true;
    response = await callApi(
      url,
      `/api/things/${encodeURIComponent(thing)}/certificates`,
      { method: "POST" },
      apiToken,
    );
  }
  const created = (await response.json()) as Created;
  const credential = await saveCertificate(created, options.certs ?? "certs");
  if ("privateKey" in created && options.json) created.privateKey = "(written to the certificate folder)";
  io.stdout(
    options.json
      ? `${JSON.stringify(created)}\n`
      : `${existed ? `${created.thing} (${created.type}) was registered: added a certificate, its other credentials still work` : `registered ${created.thing} (${created.type})`}\n${credential}`,
  );
  return EXIT.ok;
}

async function list(options: DevicesOptions, io: Io): Promise<number> {
  const response = await callApi(options.url, "/api/things", { method: "GET" }, options.apiToken);
  const things = (await response.json()) as Array<{
    thing: string;
    type: string;
    createdAt: number;
    connected?: boolean;
  }>;
  if (options.json) io.stdout(`${JSON.stringify(things)}\n`);
  else
    for (const t of things)
      io.stdout(
        `${t.thing}\t${t.type}\t${new Date(t.createdAt).toISOString()}${t.connected === undefined ? "" : `\t${t.connected ? "connected" : "disconnected"}`}\n`,
      );
  return EXIT.ok;
}

async function remove(thing: string, options: DevicesOptions, io: Io): Promise<number> {
  await callApi(
    options.url,
    `/api/things/${encodeURIComponent(thing)}`,
    { method: "DELETE" },
    options.apiToken,
  );
  io.stdout(`removed ${thing}\n`);
  return EXIT.ok;
}

/** `fleetline devices add|list|remove` (docs/reference/cli.md): the registry of a running runtime or a stage. */
export function defineDevices({ program, io, outcome }: Definer): void {
  const devices = program
    .command("devices")
    .summary("register, list and remove devices")
    .description("Manage the registry of a running fleetline dev, or of a stage through its ApiUrl.");
  const shared = (command: Command) =>
    command.addOption(urlOption()).addOption(apiTokenOption()).addOption(jsonOption());
  const addCommand = shared(
    devices
      .command("add")
      .summary("register a device and print its credential")
      .description(
        "Register a thing and print its credential once: a token, or with --certs an X.509 certificate and key for the mutual-TLS port, written to DIR with the CA. --certs on a thing that exists adds a certificate to it, as AWS IoT allows several.",
      )
      .argument("<thing>", "the thing name: 1–64 of letters, digits, _ and -", thingName)
      .addOption(
        new Option("--type <type>", "the device type")
          .makeOptionMandatory()
          .argParser(oneOf("--type", DEVICE_TYPES)),
      )
      .option(
        "--certs <dir>",
        "issue a certificate instead of a token, and write it, its key and the CA to DIR",
      ),
  );
  examples(addCommand, [
    ["fleetline devices add fs-1 --type freestyle", "a token for MQTT on port 1883"],
    [
      "fleetline devices add fs-1 --type freestyle --certs certs",
      "a certificate for mutual TLS on port 8883",
    ],
  ]);
  addCommand.action(run(outcome, (thing: string, options) => reported(io, () => add(thing, options, io))));
  const listCommand = shared(devices.command("list").summary("list the registered devices"));
  listCommand.action(run(outcome, (options: DevicesOptions) => reported(io, () => list(options, io))));
  const removeCommand = shared(
    devices
      .command("remove")
      .summary("remove a device: its connections are closed and its credentials stop working")
      .argument("<thing>", "the thing name", thingName),
  );
  removeCommand.action(
    run(outcome, (thing: string, options: DevicesOptions) => reported(io, () => remove(thing, options, io))),
  );
}
