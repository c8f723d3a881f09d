import { type DeviceType, deviceTypeList, isDeviceType, isThingName } from "./device-types.js";
import { type Rejection, reject } from "./reasons.js";

/** Topic filter of the telemetry rule (docs/contract.md §1). */
export const TELEMETRY_TOPIC_FILTER = "dt/fleetline/+/+/telemetry";

/** Topic filter of the command-confirmation rule: every classic shadow's accepted documents. */
export const SHADOW_DOCUMENTS_FILTER = "$aws/things/+/shadow/update/documents";

export function telemetryTopic(type: DeviceType, thing: string): string {
  return `dt/fleetline/${type}/${thing}/telemetry`;
}

export function alertTopic(type: DeviceType, thing: string): string {
  return `alerts/fleetline/${type}/${thing}`;
}

export type ShadowOperation = "get" | "update" | "delete";

/** AWS device shadow topic prefix, classic or named (`$aws/things/{thing}/shadow[/name/{name}]`). */
export function shadowTopicPrefix(thing: string, shadowName?: string): string {
  const base = `$aws/things/${thing}/shadow`;
  return shadowName === undefined ? base : `${base}/name/${shadowName}`;
}

/** e.g. `shadowTopic("fs-1", "update", "delta")` → `$aws/things/fs-1/shadow/update/delta`. */
export function shadowTopic(
  thing: string,
  operation: ShadowOperation,
  reply?: "accepted" | "rejected" | "delta" | "documents",
  shadowName?: string,
): string {
  const topic = `${shadowTopicPrefix(thing, shadowName)}/${operation}`;
  return reply === undefined ? topic : `${topic}/${reply}`;
}

export interface TelemetryTopic {
  ok: true;
  type: DeviceType;
  thing: string;
}

/** Parses `dt/fleetline/{type}/{thing}/telemetry`; a wrong shape is BAD_TOPIC, a wrong type UNKNOWN_DEVICE_TYPE. */
export function parseTelemetryTopic(topic: string): TelemetryTopic | Rejection {
  const parts = topic.split("/");
  const [prefix, app, type, thing, suffix] = parts;
  if (parts.length !== 5 || prefix !== "dt" || app !== "fleetline" || suffix !== "telemetry") {
    return reject("BAD_TOPIC", `topic ${JSON.stringify(topic)} is not dt/fleetline/{type}/{thing}/telemetry`);
  }
  if (!isThingName(thing)) {
    return reject("BAD_TOPIC", `thing name ${JSON.stringify(thing)} must match [A-Za-z0-9_-]{1,64}`);
  }
  if (!isDeviceType(type)) {
    return reject("UNKNOWN_DEVICE_TYPE", `device type ${JSON.stringify(type)} is not ${deviceTypeList()}`);
  }
  return { ok: true, type, thing };
}
