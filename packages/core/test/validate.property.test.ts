import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { REJECT_REASONS, TelemetryRecord, type Verdict, validate } from "../src/telemetry/index.js";
import { validFreestyle, validRobot } from "./arbitraries.js";
import { envelope, freestylePayload, RECEIVED_AT, robotEnvelope } from "./factories.js";

/** A verdict validate reached on purpose: a record, or a documented reason — never its catch-all. */
function isKnownVerdict(verdict: Verdict): boolean {
  if (verdict.ok) return TelemetryRecord.safeParse(verdict.record).success;
  return (
    verdict.reason !== "VALIDATION_FAILED" &&
    (REJECT_REASONS as readonly string[]).includes(verdict.reason) &&
    verdict.detail.length > 0
  );
}

const topics = fc.oneof(
  fc.constant("dt/fleetline/freestyle/fs-1/telemetry"),
  fc.constant("dt/fleetline/robot/fs-1/telemetry"),
  fc.string(),
);

describe("validate, for any input", () => {
  it("has a catch-all verdict these properties count as a failure", () => {
    // Only a defect reaches it; an envelope that throws when read stands in for one.
    const throwing = Object.defineProperty({ ...envelope(freestylePayload()) }, "topic", {
      get() {
        throw new Error("boom");
      },
    });
    const verdict = validate(throwing);
    expect(verdict).toEqual({
      ok: false,
      reason: "VALIDATION_FAILED",
      detail: "validation failed: Error: boom",
    });
    expect(isKnownVerdict(verdict)).toBe(false);
  });

  it("never throws on arbitrary bytes and always names a known reason", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), topics, (bytes, topic) => {
        expect(isKnownVerdict(validate(envelope(bytes, { topic, clientId: "fs-1" })))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("never throws on arbitrary JSON values and always names a known reason", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(isKnownVerdict(validate(envelope(JSON.stringify(value) ?? "")))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("never throws on arbitrary envelopes, JSON or not", () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withMap: true }), (value) => {
        expect(isKnownVerdict(validate(value))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("never throws when any field of a valid payload is replaced by any JSON value", () => {
    const paths = [
      ["v"],
      ["seq"],
      ["ts"],
      ["metrics"],
      ["faults"],
      ["metrics", "cabinetTempC"],
      ["metrics", "cartridges"],
      ["metrics", "state"],
      ["faults", "0"],
      ["faults", "0", "code"],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue(), (path, replacement) => {
        const payload = structuredClone(freestylePayload()) as Record<string, unknown>;
        let target = payload as Record<string, unknown>;
        for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
        target[path.at(-1) as string] = replacement;
        expect(isKnownVerdict(validate(envelope(payload)))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("survives JSON nested as deep as 128 KB allows", () => {
    const depth = 65_000;
    const verdict = validate(envelope(`{"v":1,"x":${"[".repeat(depth)}${"]".repeat(depth)}}`));
    expect(verdict).toMatchObject({ ok: false });
    expect(isKnownVerdict(verdict)).toBe(true);
  });

  it("accepts every payload the contract allows, for both device types", () => {
    fc.assert(
      fc.property(validFreestyle, (payload) => {
        expect(validate(envelope(payload)).ok).toBe(true);
      }),
    );
    fc.assert(
      fc.property(validRobot, (payload) => {
        expect(validate(robotEnvelope(payload)).ok).toBe(true);
      }),
    );
  });

  it("keeps the device's values unchanged in the canonical record", () => {
    fc.assert(
      fc.property(validRobot, (generated) => {
        // What the device actually sends: JSON, in which -0 becomes 0.
        const payload = JSON.parse(JSON.stringify(generated)) as typeof generated;
        const verdict = validate(robotEnvelope(payload, "rb-roundtrip"));
        expect(verdict.ok && verdict.record).toMatchObject({
          thing: "rb-roundtrip",
          seq: payload.seq,
          ts: payload.ts,
          receivedAt: RECEIVED_AT,
          metrics: payload.metrics,
          faults: payload.faults ?? [],
        });
      }),
    );
  });
});
