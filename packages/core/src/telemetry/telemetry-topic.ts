import { type DeviceType, deviceTypeList, isDeviceType, isThingName } from "../devices/device-types.js";
import { type Rejection, reject } from "./reasons.js";

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
