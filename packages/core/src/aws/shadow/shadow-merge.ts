import type { JsonObject } from "./shadow-types.js";

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** AWS merge: `null` deletes a key, objects merge key by key, arrays and scalars replace whole. */
export function mergeState(target: JsonObject | undefined, patch: JsonObject): JsonObject {
  const result: JsonObject = { ...(target ?? {}) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else if (isObject(value))
      result[key] = mergeState(isObject(result[key]) ? (result[key] as JsonObject) : undefined, value);
    else result[key] = value;
  }
  return result;
}

/** Per-leaf `{ timestamp }` metadata for what `patch` touched; arrays are leaves. */
export function mergeMetadata(
  target: JsonObject | undefined,
  patch: JsonObject,
  timestamp: number,
): JsonObject {
  const result: JsonObject = { ...(target ?? {}) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else if (isObject(value)) {
      const current = result[key];
      const nested =
        isObject(current) && !("timestamp" in current && Object.keys(current).length === 1)
          ? current
          : undefined;
      result[key] = mergeMetadata(nested, value, timestamp);
    } else result[key] = { timestamp };
  }
  return result;
}

/** Metadata for exactly the leaves of a request section (a deleted key too: it changed). */
export function metadataOf(patch: JsonObject, timestamp: number): JsonObject {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(patch)) {
    result[key] = isObject(value) ? metadataOf(value, timestamp) : { timestamp };
  }
  return result;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b) || (isObject(a) && isObject(b) && sameObject(a, b));
}

function sameObject(a: JsonObject, b: JsonObject): boolean {
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]))
  );
}

/** The delta: the desired keys whose value differs from reported, nested objects key by key. */
export function computeDelta(desired: JsonObject | undefined, reported: JsonObject | undefined): JsonObject {
  const delta: JsonObject = {};
  for (const [key, want] of Object.entries(desired ?? {})) {
    const have = reported?.[key];
    if (isObject(want) && isObject(have)) {
      const nested = computeDelta(want, have);
      if (Object.keys(nested).length > 0) delta[key] = nested;
    } else if (!deepEqual(want, have)) {
      delta[key] = want;
    }
  }
  return delta;
}

/** The metadata of the delta's leaves, taken from desired's metadata. */
export function pickMetadata(metadata: JsonObject | undefined, shape: JsonObject): JsonObject {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(shape)) {
    const meta = metadata?.[key];
    if (meta === undefined) continue;
    result[key] = isObject(value) && isObject(meta) ? pickMetadata(meta, value) : meta;
  }
  return result;
}

export function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (isObject(value)) return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

export function arraysHoldNull(value: unknown): boolean {
  if (Array.isArray(value)) return value.some((item) => item === null || arraysHoldNull(item));
  if (isObject(value)) return Object.values(value).some(arraysHoldNull);
  return false;
}
