import { decodeUtf8 } from "../../common/bytes.js";
import {
  arraysHoldNull,
  computeDelta,
  depthOf,
  isObject,
  mergeMetadata,
  mergeState,
  metadataOf,
  pickMetadata,
} from "./shadow-merge.js";
import {
  type JsonObject,
  SHADOW_LIMITS,
  type ShadowErrorDocument,
  type ShadowResult,
  type StoredShadow,
} from "./shadow-types.js";

export interface UpdateOutcome {
  shadow: StoredShadow;
  /** Body of `/update/accepted` (and of the REST response). */
  accepted: JsonObject;
  /** Body of `/update/delta`, when the update touched desired and desired ≠ reported. */
  delta?: JsonObject;
  /** Body of `/update/documents`: previous and current. */
  documents: JsonObject;
}

const encoder = new TextEncoder();
const seconds = (ms: number) => Math.floor(ms / 1000);

function fail(
  code: ShadowErrorDocument["code"],
  message: string,
  nowMs: number,
  clientToken?: string,
): { ok: false; error: ShadowErrorDocument } {
  return {
    ok: false,
    error: {
      code,
      message,
      timestamp: seconds(nowMs),
      ...(clientToken !== undefined ? { clientToken } : {}),
    },
  };
}

/** Parses a request body; an empty body is an empty request (get and delete need none). */
function parseRequest(body: Uint8Array | string, nowMs: number): ShadowResult<JsonObject> {
  const text = typeof body === "string" ? body : decodeUtf8(body);
  if (text === undefined) return fail(400, "Invalid JSON", nowMs);
  if (text.trim() === "") return { ok: true, value: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail(400, "Invalid JSON", nowMs);
  }
  return isObject(parsed) ? { ok: true, value: parsed } : fail(400, "Invalid JSON", nowMs);
}

/** The request's clientToken, echoed in every reply; more than 64 bytes is 400 Invalid clientToken. */
function clientTokenOf(request: JsonObject, nowMs: number): ShadowResult<string | undefined> {
  const token = request.clientToken;
  if (token === undefined) return { ok: true, value: undefined };
  if (typeof token !== "string" || encoder.encode(token).length > SHADOW_LIMITS.maxClientTokenBytes) {
    return fail(400, "Invalid clientToken", nowMs);
  }
  return { ok: true, value: token };
}

function withToken<T extends JsonObject>(document: T, clientToken: string | undefined): T {
  return clientToken === undefined ? document : { ...document, clientToken };
}

function snapshot(shadow: StoredShadow): JsonObject {
  return { state: { ...shadow.state }, metadata: { ...shadow.metadata }, version: shadow.version };
}

/**
 * UpdateThingShadow / `…/shadow/update`, with the AWS IoT Device Shadow semantics: partial merge,
 * `null` deletes, arrays replace whole, `version` for optimistic locking (+1 per accepted update),
 * per-leaf metadata, the 8 KB state limit and a nesting depth of 6.
 * `versionFloor` continues the version of a shadow deleted recently, as AWS does.
 */
export function updateShadow(
  current: StoredShadow | undefined,
  body: Uint8Array | string,
  nowMs: number,
  versionFloor = 0,
): ShadowResult<UpdateOutcome> {
  const parsed = parseRequest(body, nowMs);
  if (!parsed.ok) return parsed;
  const request = parsed.value;
  const token = clientTokenOf(request, nowMs);
  if (!token.ok) return token;
  const clientToken = token.value;

  if (!("state" in request)) return fail(400, "Missing required node: state", nowMs, clientToken);
  const state = request.state;
  if (!isObject(state)) return fail(400, "State node must be an object", nowMs, clientToken);
  for (const key of Object.keys(state)) {
    if (key !== "desired" && key !== "reported")
      return fail(400, "State contains an invalid node", nowMs, clientToken);
  }
  const { desired, reported } = state as { desired?: unknown; reported?: unknown };
  if (desired !== undefined && desired !== null && !isObject(desired)) {
    return fail(400, "Desired node must be an object", nowMs, clientToken);
  }
  if (reported !== undefined && reported !== null && !isObject(reported)) {
    return fail(400, "Reported node must be an object", nowMs, clientToken);
  }
  if ([desired, reported].some((section) => depthOf(section) > SHADOW_LIMITS.maxDepth)) {
    return fail(
      400,
      `JSON contains too many levels of nesting; maximum is ${SHADOW_LIMITS.maxDepth}`,
      nowMs,
      clientToken,
    );
  }
  // AWS: arrays can't have null values.
  if (arraysHoldNull(state)) return fail(400, "State contains an invalid node", nowMs, clientToken);
  const version = request.version;
  if (version !== undefined && !(Number.isInteger(version) && (version as number) >= 0)) {
    return fail(400, "Invalid version", nowMs, clientToken);
  }
  const currentVersion = current?.version ?? versionFloor;
  if (version !== undefined && version !== currentVersion)
    return fail(409, "Version conflict", nowMs, clientToken);

  const timestamp = seconds(nowMs);
  const next: StoredShadow = { state: {}, metadata: {}, version: currentVersion + 1, timestamp };
  for (const section of ["desired", "reported"] as const) {
    const patch = state[section];
    const before = current?.state[section];
    const beforeMeta = current?.metadata[section];
    // A null section removes it; an emptied section is removed too.
    const merged = patch === null ? undefined : isObject(patch) ? mergeState(before, patch) : before;
    const meta =
      patch === null ? undefined : isObject(patch) ? mergeMetadata(beforeMeta, patch, timestamp) : beforeMeta;
    if (merged !== undefined && Object.keys(merged).length > 0) {
      next.state[section] = merged;
      next.metadata[section] = meta ?? {};
    }
  }
  const stateBytes = encoder.encode(JSON.stringify(next.state)).length;
  if (stateBytes > SHADOW_LIMITS.maxStateBytes) {
    return fail(413, "The payload exceeds the maximum size allowed", nowMs, clientToken);
  }

  const requestMetadata: JsonObject = {};
  for (const section of ["desired", "reported"] as const) {
    const patch = state[section];
    if (isObject(patch)) requestMetadata[section] = metadataOf(patch, timestamp);
  }
  const accepted = withToken(
    { state, metadata: requestMetadata, version: next.version, timestamp },
    clientToken,
  );
  const documents = withToken(
    { ...(current ? { previous: snapshot(current) } : {}), current: snapshot(next), timestamp },
    clientToken,
  );
  const outcome: UpdateOutcome = { shadow: next, accepted, documents };
  const delta = computeDelta(next.state.desired, next.state.reported);
  if (isObject(desired) && Object.keys(delta).length > 0) {
    outcome.delta = withToken(
      {
        version: next.version,
        timestamp,
        state: delta,
        metadata: pickMetadata(next.metadata.desired, delta),
      },
      clientToken,
    );
  }
  return { ok: true, value: outcome };
}

/** What get and delete share: parse the request, check its token, find the shadow or answer 404. */
function existingShadow(
  current: StoredShadow | undefined,
  body: Uint8Array | string,
  nowMs: number,
  name: string,
): ShadowResult<{ shadow: StoredShadow; clientToken: string | undefined }> {
  const parsed = parseRequest(body, nowMs);
  if (!parsed.ok) return parsed;
  const token = clientTokenOf(parsed.value, nowMs);
  if (!token.ok) return token;
  if (!current) return fail(404, `No shadow exists with name: '${name}'`, nowMs, token.value);
  return { ok: true, value: { shadow: current, clientToken: token.value } };
}

/** GetThingShadow / `…/shadow/get`: state with delta, metadata, version; 404 if there is none. */
export function getShadow(
  current: StoredShadow | undefined,
  body: Uint8Array | string,
  nowMs: number,
  name: string,
): ShadowResult<JsonObject> {
  const found = existingShadow(current, body, nowMs, name);
  if (!found.ok) return found;
  const { shadow, clientToken } = found.value;
  const delta = computeDelta(shadow.state.desired, shadow.state.reported);
  const state: JsonObject = { ...shadow.state, ...(Object.keys(delta).length > 0 ? { delta } : {}) };
  const document = { state, metadata: shadow.metadata, version: shadow.version, timestamp: seconds(nowMs) };
  return { ok: true, value: withToken(document, clientToken) };
}

/** DeleteThingShadow / `…/shadow/delete`: `{ version, timestamp }`; 404 if there is none. */
export function deleteShadow(
  current: StoredShadow | undefined,
  body: Uint8Array | string,
  nowMs: number,
  name: string,
): ShadowResult<JsonObject> {
  const found = existingShadow(current, body, nowMs, name);
  if (!found.ok) return found;
  const { shadow, clientToken } = found.value;
  return { ok: true, value: withToken({ version: shadow.version, timestamp: seconds(nowMs) }, clientToken) };
}
