import type { DeviceType } from "./device-types.js";

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
