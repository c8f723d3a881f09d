import { mkdir, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { deviceTypeList, isDeviceType } from "@fleetline/core/devices";
import { urlFlag } from "../flags.js";
import type { Io } from "../io.js";
import { ApiError, callApi } from "../runtime-api.js";
import { EXIT, UsageError } from "../usage.js";

export const DEVICES_USAGE =
  "usage: fleetline devices add <thing> --type freestyle|robot [--certs DIR] | list | remove <thing> [--url URL] [--api-token T]";

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

/** `fleetline devices add|list|remove` (docs/reference/cli.md): the registry of a running local runtime. */
export async function devicesCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      type: { type: "string" },
      url: { type: "string" },
      "api-token": { type: "string" },
      certs: { type: "string" },
      json: { type: "boolean" },
    },
    allowPositionals: true,
    strict: true,
  });
  const [action, thing, ...extra] = positionals;
  const url = urlFlag("url", values.url ?? "http://127.0.0.1:8080", ["http:", "https:"]);
  const token = values["api-token"];
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  try {
    switch (action) {
      case "add": {
        if (!thing) throw new UsageError("devices add needs a thing name");
        if (!isDeviceType(values.type)) throw new UsageError(`--type must be ${deviceTypeList()}`);
        const response = await callApi(
          url,
          "/api/things",
          {
            method: "POST",
            // --certs asks fleetline dev for a certificate instead of a token (AWS issues one anyway).
            body: JSON.stringify({
              thing,
              type: values.type,
              ...(values.certs ? { credentials: "certificate" } : {}),
            }),
          },
          token,
        );
        const created = (await response.json()) as Created;
        const credential = await saveCertificate(created, values.certs ?? "certs");
        if ("privateKey" in created && values.json)
          created.privateKey = "(written to the certificate folder)";
        io.stdout(
          values.json
            ? `${JSON.stringify(created)}\n`
            : `registered ${created.thing} (${created.type})\n${credential}`,
        );
        return EXIT.ok;
      }
      case "list": {
        if (thing) throw new UsageError(`unexpected argument "${thing}"`);
        const things = (await (await callApi(url, "/api/things", { method: "GET" }, token)).json()) as Array<{
          thing: string;
          type: string;
          createdAt: number;
        }>;
        if (values.json) io.stdout(`${JSON.stringify(things)}\n`);
        else
          for (const t of things)
            io.stdout(`${t.thing}\t${t.type}\t${new Date(t.createdAt).toISOString()}\n`);
        return EXIT.ok;
      }
      case "remove": {
        if (!thing) throw new UsageError("devices remove needs a thing name");
        await callApi(url, `/api/things/${encodeURIComponent(thing)}`, { method: "DELETE" }, token);
        io.stdout(`removed ${thing}\n`);
        return EXIT.ok;
      }
      default:
        throw new UsageError(action ? `unknown action "${action}"; ${DEVICES_USAGE}` : DEVICES_USAGE);
    }
  } catch (error) {
    if (error instanceof ApiError) {
      io.stderr(`fleetline devices: ${error.message}\n`);
      return EXIT.invalid;
    }
    throw error;
  }
}
