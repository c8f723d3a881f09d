import type { DeviceType } from "../devices/device-types.js";
import { FLAVOR_NAME_PATTERN } from "../telemetry/schema/freestyle.js";

/**
 * What a job (AWS IoT Jobs) asks a Fleetline device to do, as its job document
 * (docs/reference/contract.md §4): a robot installs firmware, a dispenser takes a new flavor
 * catalogue. A device refuses (REJECTED) a document it cannot run, with the reason.
 */
export type UpdateDocument =
  | { operation: "firmware"; version: string; sizeBytes: number }
  | { operation: "catalogue"; version: string; flavors: string[] };

/** Which operation each device type runs. */
export const UPDATE_OPERATIONS: Record<DeviceType, UpdateDocument["operation"]> = {
  robot: "firmware",
  freestyle: "catalogue",
};

const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
/** Firmware images are at most 64 MB. */
export const MAX_FIRMWARE_BYTES = 64 * 1024 * 1024;

type Read = { ok: true; document: UpdateDocument } | { ok: false; reason: string };

/** Reads a job document for a device of `type`, or says why that device cannot run it. */
export function readUpdateDocument(type: DeviceType, document: Record<string, unknown>): Read {
  const operation = UPDATE_OPERATIONS[type];
  if (document.operation !== operation)
    return {
      ok: false,
      reason: `a ${type} runs "${operation}" jobs only; this one is ${JSON.stringify(document.operation ?? null)}`,
    };
  if (typeof document.version !== "string" || document.version.length === 0 || document.version.length > 64)
    return { ok: false, reason: "version must be text of 1 to 64 characters" };
  if (operation === "firmware") {
    if (!SEMVER.test(document.version))
      return { ok: false, reason: `firmware version ${document.version} is not x.y.z` };
    const size = document.sizeBytes ?? 1_048_576;
    if (typeof size !== "number" || !Number.isInteger(size) || size < 1 || size > MAX_FIRMWARE_BYTES)
      return { ok: false, reason: `sizeBytes must be a whole number from 1 to ${MAX_FIRMWARE_BYTES}` };
    return { ok: true, document: { operation, version: document.version, sizeBytes: size } };
  }
  const { flavors } = document;
  if (!Array.isArray(flavors) || flavors.length === 0 || flavors.length > 16)
    return { ok: false, reason: "malformed catalogue: flavors must list 1 to 16 flavor names" };
  const bad = flavors.find((flavor) => typeof flavor !== "string" || !FLAVOR_NAME_PATTERN.test(flavor));
  if (bad !== undefined)
    return {
      ok: false,
      reason: `malformed catalogue: ${JSON.stringify(bad)} is not a flavor name ([A-Za-z0-9_-]{1,32})`,
    };
  if (new Set(flavors).size !== flavors.length)
    return { ok: false, reason: "malformed catalogue: a flavor is listed twice" };
  return { ok: true, document: { operation, version: document.version, flavors: flavors as string[] } };
}
