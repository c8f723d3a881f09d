/** The device types the v1 contract knows (docs/reference/contract.md §1). */
export const DEVICE_TYPES = ["freestyle", "robot"] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

/** Thing names as AWS IoT allows them in Fleetline: `[A-Za-z0-9_-]{1,64}`. */
export const THING_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** The types as a sentence says them: "freestyle or robot" (`or` → "freestyle, robot or mixed" with an extra). */
export function deviceTypeList(...extra: string[]): string {
  const names = [...DEVICE_TYPES, ...extra];
  return names.length === 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`;
}

export function isDeviceType(value: unknown): value is DeviceType {
  return typeof value === "string" && (DEVICE_TYPES as readonly string[]).includes(value);
}

export function isThingName(value: unknown): value is string {
  return typeof value === "string" && THING_NAME_PATTERN.test(value);
}

/**
 * The runtime's own MQTT and certificate identities (docs/guide/security.md, "What each credential allows"): each
 * has a `.`, which no thing name can, so a device registered under any name never passes for one.
 */
export const RUNTIME_IDENTITIES = {
  /** The embedded broker's user for the runtime's own in-process and MQTT clients. */
  service: "fleetline.service",
  /** Under `--mqtt5` and `--broker`: the rules engine's MQTT client (and certificate CN). */
  rulesEngine: "fleetline.rules-engine",
  /** Under `--mqtt5` and `--broker`: the shadow service's and alert publisher's MQTT client. */
  shadowService: "fleetline.shadow-service",
} as const;

/** Names the runtime's clients went by before they had a `.`: no thing may take them, as ACLs may still grant them. */
export const RESERVED_THING_NAMES: ReadonlySet<string> = new Set([
  "fleetline-service",
  "fleetline-rules-engine",
  "fleetline-shadow-service",
]);
