import { describe, expect, it } from "vitest";
import { deleteShadow, getShadow, type StoredShadow, updateShadow } from "../src/aws/index.js";

const NOW = 1_764_297_000_000;
const SECONDS = NOW / 1000;

function apply(current: StoredShadow | undefined, request: unknown) {
  return updateShadow(current, JSON.stringify(request), NOW);
}

function shadowFrom(...requests: unknown[]): StoredShadow {
  let shadow: StoredShadow | undefined;
  for (const request of requests) {
    const result = apply(shadow, request);
    if (!result.ok) throw new Error(result.error.message);
    shadow = result.value.shadow;
  }
  return shadow as StoredShadow;
}

// Each rule cites the AWS IoT Developer Guide page it reproduces:
// [documents] device-shadow-document.html, [errors] device-shadow-error-messages.html,
// [flow] device-shadow-data-flow.html, [mqtt] device-shadow-mqtt.html.
describe("AWS device shadow rules", () => {
  it("[documents] versioning: the version starts at 1 and grows by 1 per accepted update", () => {
    expect(shadowFrom({ state: { reported: { a: 1 } } }).version).toBe(1);
    expect(shadowFrom({ state: { reported: { a: 1 } } }, { state: { reported: { a: 2 } } }).version).toBe(2);
  });

  it("[errors] 409 Version conflict when the request's version is not the current one", () => {
    const shadow = shadowFrom({ state: { desired: { a: 1 } } });
    const result = apply(shadow, { state: { desired: { a: 2 } }, version: 7, clientToken: "t-409" });
    expect(result).toEqual({
      ok: false,
      error: { code: 409, message: "Version conflict", timestamp: SECONDS, clientToken: "t-409" },
    });
    expect(apply(shadow, { state: { desired: { a: 2 } }, version: 1 }).ok).toBe(true);
  });

  it("[documents] client token: echoed on accepted, delta and documents", () => {
    const result = apply(undefined, { state: { desired: { a: 1 } }, clientToken: "abc" });
    expect(
      result.ok && [
        result.value.accepted.clientToken,
        result.value.delta?.clientToken,
        result.value.documents.clientToken,
      ],
    ).toEqual(["abc", "abc", "abc"]);
  });

  it("[errors] 400 Invalid clientToken above 64 bytes", () => {
    const result = apply(undefined, { state: { desired: { a: 1 } }, clientToken: "x".repeat(65) });
    expect(result).toMatchObject({ ok: false, error: { code: 400, message: "Invalid clientToken" } });
    expect(apply(undefined, { state: { desired: { a: 1 } }, clientToken: "x".repeat(64) }).ok).toBe(true);
  });

  it("[documents] empty sections: null deletes a key, and a null section removes the section", () => {
    const shadow = shadowFrom(
      { state: { desired: { a: 1, b: 2 }, reported: { a: 1 } } },
      { state: { desired: { b: null } } },
    );
    expect(shadow.state).toEqual({ desired: { a: 1 }, reported: { a: 1 } });
    expect(shadow.metadata.desired).toEqual({ a: { timestamp: SECONDS } });
    expect(
      shadowFrom({ state: { desired: { a: 1 }, reported: { a: 1 } } }, { state: { desired: null } }).state,
    ).toEqual({
      reported: { a: 1 },
    });
  });

  it("[documents] arrays: an update replaces the whole array, and arrays can't hold null", () => {
    const shadow = shadowFrom(
      { state: { desired: { colors: ["RED", "GREEN", "BLUE"] } } },
      { state: { desired: { colors: ["RED"] } } },
    );
    expect(shadow.state.desired).toEqual({ colors: ["RED"] });
    expect(shadow.metadata.desired).toEqual({ colors: { timestamp: SECONDS } });
    expect(apply(undefined, { state: { desired: { colors: [null, "RED"] } } })).toMatchObject({
      ok: false,
      error: { code: 400 },
    });
  });

  it("[documents] nested objects merge key by key, with per-leaf metadata timestamps", () => {
    const shadow = shadowFrom(
      { state: { reported: { light: { color: "red", level: 3 } } } },
      { state: { reported: { light: { level: 5 } } } },
    );
    expect(shadow.state.reported).toEqual({ light: { color: "red", level: 5 } });
    expect(shadow.metadata.reported).toEqual({
      light: { color: { timestamp: SECONDS }, level: { timestamp: SECONDS } },
    });
  });

  it("[flow] delta holds only the desired keys that differ from reported, nested ones too", () => {
    const shadow = shadowFrom({
      state: { reported: { mode: "idle", light: { color: "red", level: 3 }, extra: 1 } },
    });
    const result = apply(shadow, {
      state: { desired: { mode: "maintenance", light: { color: "red", level: 4 } } },
    });
    expect(result.ok && result.value.delta).toEqual({
      version: 2,
      timestamp: SECONDS,
      state: { mode: "maintenance", light: { level: 4 } },
      metadata: { mode: { timestamp: SECONDS }, light: { level: { timestamp: SECONDS } } },
    });
  });

  it("[mqtt] no delta when the update does not change desired or desired already matches", () => {
    const shadow = shadowFrom({ state: { desired: { mode: "on" } } });
    const reported = apply(shadow, { state: { reported: { mode: "on" } } });
    expect(reported.ok && reported.value.delta).toBeUndefined();
    const same = apply(reported.ok ? reported.value.shadow : undefined, {
      state: { desired: { mode: "on" } },
    });
    expect(same.ok && same.value.delta).toBeUndefined();
  });

  it("[mqtt] /update/documents carries the previous and the current document", () => {
    const shadow = shadowFrom({ state: { reported: { a: 1 } } });
    const result = apply(shadow, { state: { reported: { a: 2 } } });
    expect(result.ok && result.value.documents).toEqual({
      previous: {
        state: { reported: { a: 1 } },
        metadata: { reported: { a: { timestamp: SECONDS } } },
        version: 1,
      },
      current: {
        state: { reported: { a: 2 } },
        metadata: { reported: { a: { timestamp: SECONDS } } },
        version: 2,
      },
      timestamp: SECONDS,
    });
  });

  it("[errors] 413 when desired + reported exceed 8 KB", () => {
    expect(apply(undefined, { state: { reported: { blob: "x".repeat(8 * 1024) } } })).toMatchObject({
      ok: false,
      error: { code: 413, message: "The payload exceeds the maximum size allowed" },
    });
    expect(apply(undefined, { state: { reported: { blob: "x".repeat(8000) } } }).ok).toBe(true);
  });

  it.each([
    ["malformed JSON", "{state:", "Invalid JSON"],
    ["a JSON array", "[1]", "Invalid JSON"],
    ["no state", '{"clientToken":"x"}', "Missing required node: state"],
    ["state not an object", '{"state":5}', "State node must be an object"],
    ["desired not an object", '{"state":{"desired":[1]}}', "Desired node must be an object"],
    ["reported not an object", '{"state":{"reported":"on"}}', "Reported node must be an object"],
    ["an unknown state node", '{"state":{"delta":{}}}', "State contains an invalid node"],
    ["a fractional version", '{"state":{"reported":{}},"version":1.5}', "Invalid version"],
    [
      "nesting deeper than 6",
      JSON.stringify({ state: { reported: { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } } } }),
      "JSON contains too many levels of nesting; maximum is 6",
    ],
  ])("[errors] 400 for %s", (_what, body, message) => {
    expect(updateShadow(undefined, body, NOW)).toMatchObject({ ok: false, error: { code: 400, message } });
  });

  it("[errors] 404 No shadow exists for get and delete of a missing shadow", () => {
    expect(getShadow(undefined, "", NOW, "fs-1")).toMatchObject({
      ok: false,
      error: { code: 404, message: "No shadow exists with name: 'fs-1'" },
    });
    expect(deleteShadow(undefined, '{"clientToken":"d"}', NOW, "fs-1")).toMatchObject({
      ok: false,
      error: { code: 404, clientToken: "d" },
    });
  });

  it("[documents] get returns state with delta, metadata and version; delete returns the version", () => {
    const shadow = shadowFrom({ state: { desired: { mode: "on" }, reported: { mode: "off" } } });
    expect(getShadow(shadow, "", NOW, "fs-1")).toEqual({
      ok: true,
      value: {
        state: { desired: { mode: "on" }, reported: { mode: "off" }, delta: { mode: "on" } },
        metadata: shadow.metadata,
        version: 1,
        timestamp: SECONDS,
      },
    });
    expect(deleteShadow(shadow, "", NOW, "fs-1")).toEqual({
      ok: true,
      value: { version: 1, timestamp: SECONDS },
    });
  });

  it("[flow] a shadow re-created after a delete continues the deleted one's version", () => {
    const result = updateShadow(undefined, JSON.stringify({ state: { reported: { a: 1 } } }), NOW, 5);
    expect(result.ok && result.value.shadow.version).toBe(6);
  });
});
