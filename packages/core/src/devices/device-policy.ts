import { filterCovers, topicMatches } from "../aws/topic-filter.js";
import type { DeviceType } from "./device-types.js";

/** Who is connected: the thing name (= client id = username) and its registered type. */
export interface DeviceIdentity {
  thing: string;
  type: DeviceType;
}

const SHADOW = "$aws/things/${thing}/shadow";
const NAMED_SHADOW = `${SHADOW}/name/+`;
const JOBS = "$aws/things/${thing}/jobs";

/**
 * What a device may do (docs/reference/contract.md §1), as MQTT topic filters with `${thing}` and `${type}` placeholders.
 * The local broker enforces exactly these; the AWS IoT policy is generated from them, with
 * `${thing}` becoming `${iot:Connection.Thing.ThingName}`.
 */
export const DEVICE_POLICY = {
  /** Topics a device may publish to: its telemetry, its shadow requests and its jobs requests. */
  publish: [
    "dt/fleetline/${type}/${thing}/telemetry",
    ...["get", "update", "delete"].flatMap((op) => [`${SHADOW}/${op}`, `${NAMED_SHADOW}/${op}`]),
    `${JOBS}/get`,
    `${JOBS}/start-next`,
    `${JOBS}/+/get`,
    `${JOBS}/+/update`,
  ],
  /** Filters a device may subscribe within: its shadow and jobs replies, its jobs notifications, its alerts. */
  subscribe: [
    ...[SHADOW, NAMED_SHADOW].flatMap((prefix) => [
      `${prefix}/+/accepted`,
      `${prefix}/+/rejected`,
      `${prefix}/update/delta`,
      `${prefix}/update/documents`,
    ]),
    `${JOBS}/notify`,
    `${JOBS}/notify-next`,
    `${JOBS}/+/accepted`,
    `${JOBS}/+/rejected`,
    `${JOBS}/+/+/accepted`,
    `${JOBS}/+/+/rejected`,
    "alerts/fleetline/${type}/${thing}",
  ],
  /**
   * Topics a device may publish to with RETAIN (AWS's `iot:RetainPublish`): its telemetry, so its
   * last report waits for whoever subscribes next. A retained publish elsewhere disconnects it.
   */
  retain: ["dt/fleetline/${type}/${thing}/telemetry"],
} as const;

function bind(template: string, identity: DeviceIdentity): string {
  return template.replaceAll("${thing}", identity.thing).replaceAll("${type}", identity.type);
}

/** DEVICE_POLICY for one device: the topics it may publish to and the filters it may subscribe within. */
export function devicePolicyFor(identity: DeviceIdentity): { publish: string[]; subscribe: string[] } {
  return {
    publish: DEVICE_POLICY.publish.map((template) => bind(template, identity)),
    subscribe: DEVICE_POLICY.subscribe.map((template) => bind(template, identity)),
  };
}

/** May this device publish on `topic`? Anything else disconnects it, as AWS IoT Core does. */
export function mayPublish(identity: DeviceIdentity, topic: string): boolean {
  return DEVICE_POLICY.publish.some((template) => topicMatches(bind(template, identity), topic));
}

/** May this device publish on `topic` with RETAIN? */
export function mayRetain(identity: DeviceIdentity, topic: string): boolean {
  return DEVICE_POLICY.retain.some((template) => topicMatches(bind(template, identity), topic));
}

/** May this device subscribe to `filter`? Only if every topic it could match is granted. */
export function maySubscribe(identity: DeviceIdentity, filter: string): boolean {
  return DEVICE_POLICY.subscribe.some((template) => filterCovers(bind(template, identity), filter));
}

/**
 * Why `mayPublish` refused `topic` to this device, in words an operator can act on: another
 * thing's topic, its own thing under another type, or a topic outside the policy altogether.
 */
export function whyPublishDenied(identity: DeviceIdentity, topic: string): string {
  const own = `dt/fleetline/${identity.type}/${identity.thing}/telemetry`;
  const [prefix, app, type, thing, suffix] = topic.split("/");
  if (prefix === "dt" && app === "fleetline" && suffix === "telemetry" && topic.split("/").length === 5) {
    if (thing !== identity.thing)
      return `${identity.thing} published on ${thing}'s telemetry topic ${topic}; it may publish only on ${own}`;
    if (type !== identity.type)
      return `${identity.thing} is registered as a ${identity.type} but published as a ${type} on ${topic}; it may publish only on ${own}`;
  }
  const shadow = /^\$aws\/things\/([^/]+)\/shadow\//.exec(topic);
  if (shadow && shadow[1] !== identity.thing)
    return `${identity.thing} published to ${shadow[1]}'s shadow (${topic}); a device may use only its own shadow`;
  const jobs = /^\$aws\/things\/([^/]+)\/jobs\//.exec(topic);
  if (jobs && jobs[1] !== identity.thing)
    return `${identity.thing} asked for ${jobs[1]}'s jobs (${topic}); a device may use only its own jobs`;
  return `${identity.thing} published on ${topic}, outside its device policy: it may publish on ${own} and its own shadow topics ($aws/things/${identity.thing}/shadow/…)`;
}
