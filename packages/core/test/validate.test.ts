import { describe, expect, it } from "vitest";
import { REJECT_REASONS, type RejectReason, validate } from "../src/telemetry/index.js";
import {
  cartridges,
  DAY,
  envelope,
  faults,
  freestyleMetrics,
  freestylePayload,
  MINUTE,
  paddedTo,
  RECEIVED_AT,
  robotEnvelope,
  robotMetrics,
  robotPayload,
} from "./factories.js";

const freestyleTopic = "dt/fleetline/freestyle/fs-1/telemetry";

/** [what, envelope, expected reason, detail fragment] — at least one row for every reason code. */
const rejections: Array<[string, unknown, RejectReason, string]> = [
  ["truncated JSON", envelope('{"v":1,"seq":'), "MALFORMED_JSON", "JSON"],
  ["invalid UTF-8", envelope(new Uint8Array([0x7b, 0xff, 0x7d])), "MALFORMED_JSON", "UTF-8"],
  ["empty payload", envelope(""), "MALFORMED_JSON", "JSON"],
  ["a JSON array", envelope("[1,2]"), "NOT_AN_OBJECT", "array"],
  ["a JSON string", envelope('"hello"'), "NOT_AN_OBJECT", "string"],
  ["JSON null", envelope("null"), "NOT_AN_OBJECT", "null"],
  ["128 KB + 1 byte", envelope(paddedTo(freestylePayload(), 131_073)), "PAYLOAD_TOO_LARGE", "131073"],
  ["version 2", envelope(freestylePayload({ v: 2 })), "UNSUPPORTED_VERSION", "v"],
  ["version 0", envelope(freestylePayload({ v: 0 })), "UNSUPPORTED_VERSION", "v"],
  ["no version", envelope(freestylePayload({ v: undefined })), "MISSING_FIELD", "v"],
  ["no seq", envelope(freestylePayload({ seq: undefined })), "MISSING_FIELD", "seq"],
  ["no metrics", envelope(freestylePayload({ metrics: undefined })), "MISSING_FIELD", "metrics"],
  [
    "a missing metric",
    envelope(freestylePayload({ metrics: freestyleMetrics({ state: undefined }) })),
    "MISSING_FIELD",
    "metrics.state",
  ],
  ["seq as a string", envelope(freestylePayload({ seq: "12" })), "WRONG_TYPE", "seq"],
  ["version as a string", envelope(freestylePayload({ v: "1" })), "WRONG_TYPE", "v"],
  [
    "a fractional pour count",
    envelope(freestylePayload({ metrics: freestyleMetrics({ pours: 1.5 }) })),
    "WRONG_TYPE",
    "metrics.pours",
  ],
  [
    'the string "NaN" as a temperature',
    envelope(freestylePayload({ metrics: freestyleMetrics({ cabinetTempC: "NaN" }) })),
    "WRONG_TYPE",
    "metrics.cabinetTempC",
  ],
  [
    "binFull as a string",
    robotEnvelope(robotPayload({ metrics: robotMetrics({ binFull: "true" }) })),
    "WRONG_TYPE",
    "metrics.binFull",
  ],
  ["faults not an array", envelope(freestylePayload({ faults: {} })), "WRONG_TYPE", "faults"],
  [
    "a fault code that is a number",
    envelope(freestylePayload({ faults: [{ code: 7, severity: "minor" }] })),
    "WRONG_TYPE",
    "faults[0].code",
  ],
  [
    "a cabinet at 41 °C",
    envelope(freestylePayload({ metrics: freestyleMetrics({ cabinetTempC: 41 }) })),
    "OUT_OF_RANGE",
    "metrics.cabinetTempC",
  ],
  [
    "a cartridge at 100.01 %",
    envelope(freestylePayload({ metrics: freestyleMetrics({ cartridges: { cola: 100.01 } }) })),
    "OUT_OF_RANGE",
    "metrics.cartridges.cola",
  ],
  [
    "49 cartridges",
    envelope(freestylePayload({ metrics: freestyleMetrics({ cartridges: cartridges(49) }) })),
    "OUT_OF_RANGE",
    "48",
  ],
  [
    "a flavor name with a space",
    envelope(freestylePayload({ metrics: freestyleMetrics({ cartridges: { "cherry cola": 5 } }) })),
    "OUT_OF_RANGE",
    "cherry cola",
  ],
  ["a negative seq", envelope(freestylePayload({ seq: -1 })), "OUT_OF_RANGE", "seq"],
  [
    "an unknown state",
    envelope(freestylePayload({ metrics: freestyleMetrics({ state: "exploded" }) })),
    "OUT_OF_RANGE",
    "metrics.state",
  ],
  [
    "an unknown severity",
    envelope(freestylePayload({ faults: [{ code: "CO2_LOW", severity: "fatal" }] })),
    "OUT_OF_RANGE",
    "faults[0].severity",
  ],
  [
    "an RSSI above 0 dBm",
    robotEnvelope(robotPayload({ metrics: robotMetrics({ rssiDbm: 3 }) })),
    "OUT_OF_RANGE",
    "metrics.rssiDbm",
  ],
  [
    "a position of 1e999 (Infinity)",
    robotEnvelope(JSON.stringify(robotPayload()).replace('"x":2.5', '"x":1e999')),
    "OUT_OF_RANGE",
    "metrics.x",
  ],
  [
    "a seq beyond 2^53",
    envelope(JSON.stringify(freestylePayload()).replace('"seq":1234', '"seq":9007199254740993')),
    "OUT_OF_RANGE",
    "seq",
  ],
  [
    "an unknown metric",
    envelope(freestylePayload({ metrics: freestyleMetrics({ humidity: 40 }) })),
    "UNKNOWN_FIELD",
    "metrics.humidity",
  ],
  [
    "a misspelt metric",
    envelope(freestylePayload({ metrics: freestyleMetrics({ pours: undefined, pour: 3 }) })),
    "UNKNOWN_FIELD",
    "metrics.pour",
  ],
  [
    "an unknown top-level field",
    envelope(freestylePayload({ firmware: "1.2" })),
    "UNKNOWN_FIELD",
    "firmware",
  ],
  [
    "an unknown fault field",
    envelope(freestylePayload({ faults: [{ code: "CO2_LOW", severity: "minor", at: 1 }] })),
    "UNKNOWN_FIELD",
    "faults[0].at",
  ],
  [
    "a robot metric sent by a dispenser",
    envelope(freestylePayload({ metrics: freestyleMetrics({ batteryPct: 50 }) })),
    "UNKNOWN_FIELD",
    "batteryPct",
  ],
  [
    "a toaster",
    envelope(freestylePayload(), { topic: "dt/fleetline/toaster/t-1/telemetry", clientId: "t-1" }),
    "UNKNOWN_DEVICE_TYPE",
    "toaster",
  ],
  [
    "a status topic",
    envelope(freestylePayload(), { topic: "dt/fleetline/freestyle/fs-1/status" }),
    "BAD_TOPIC",
    "status",
  ],
  [
    "a thing name with a space",
    envelope(freestylePayload(), { topic: "dt/fleetline/freestyle/fs 1/telemetry", clientId: "fs 1" }),
    "BAD_TOPIC",
    "fs 1",
  ],
  [
    "a thing name of 65 characters",
    envelope(freestylePayload(), { thing: "x".repeat(65) }),
    "BAD_TOPIC",
    "x".repeat(65),
  ],
  [
    "an extra topic level",
    envelope(freestylePayload(), { topic: "dt/fleetline/freestyle/fs-1/telemetry/extra" }),
    "BAD_TOPIC",
    "extra",
  ],
  [
    "another device's client id",
    envelope(freestylePayload(), { clientId: "fs-2" }),
    "THING_MISMATCH",
    "fs-2",
  ],
  [
    "ts 15 min + 1 ms ahead",
    envelope(freestylePayload({ ts: RECEIVED_AT + 15 * MINUTE + 1 })),
    "TIMESTAMP_IN_FUTURE",
    "900001",
  ],
  [
    "ts 7 days + 1 ms old",
    envelope(freestylePayload({ ts: RECEIVED_AT - 7 * DAY - 1 })),
    "TIMESTAMP_TOO_OLD",
    "604800001",
  ],
  [
    "ts in seconds, not milliseconds",
    envelope(freestylePayload({ ts: Math.floor(RECEIVED_AT / 1000) })),
    "TIMESTAMP_TOO_OLD",
    "looks like seconds since the epoch; ts is epoch milliseconds, from 7 days before the receive time to 15 minutes after it",
  ],
  ["a top-level __proto__", envelope('{"v":1,"__proto__":{"admin":true}}'), "FORBIDDEN_KEY", "__proto__"],
  [
    "a nested constructor",
    envelope(JSON.stringify(freestylePayload()).replace('"cola":62', '"constructor":62')),
    "FORBIDDEN_KEY",
    "metrics.cartridges.constructor",
  ],
  [
    "a prototype key inside a fault",
    envelope(JSON.stringify(freestylePayload()).replace('"detail":', '"prototype":1,"detail":')),
    "FORBIDDEN_KEY",
    "faults.0.prototype",
  ],
  ["33 faults", envelope(freestylePayload({ faults: faults(33) })), "TOO_MANY_FAULTS", "faults"],
  [
    "a robot fault code from a dispenser",
    envelope(freestylePayload({ faults: [{ code: "STUCK", severity: "major" }] })),
    "UNKNOWN_FAULT_CODE",
    "faults[0].code",
  ],
  [
    "an invented fault code",
    robotEnvelope(robotPayload({ faults: [{ code: "OVERHEAT", severity: "critical" }] })),
    "UNKNOWN_FAULT_CODE",
    "faults[0].code",
  ],
  ["an envelope without payload", { topic: freestyleTopic, clientId: "fs-1" }, "MISSING_FIELD", "envelope."],
  ["an envelope whose payload is not base64", { ...envelope("{}"), payload: "%%%" }, "WRONG_TYPE", "base64"],
  ["no envelope at all", undefined, "WRONG_TYPE", "envelope"],
];

const acceptances: Array<[string, unknown]> = [
  ["the contract's freestyle example", envelope(freestylePayload())],
  ["a robot without faults", robotEnvelope(robotPayload())],
  ["exactly 128 KB", envelope(paddedTo(freestylePayload(), 131_072))],
  ["ts exactly 15 min ahead", envelope(freestylePayload({ ts: RECEIVED_AT + 15 * MINUTE }))],
  ["ts exactly 7 days old", envelope(freestylePayload({ ts: RECEIVED_AT - 7 * DAY }))],
  [
    "a cartridge at 100 %",
    envelope(freestylePayload({ metrics: freestyleMetrics({ cartridges: { cola: 100 } }) })),
  ],
  [
    "48 cartridges",
    envelope(freestylePayload({ metrics: freestyleMetrics({ cartridges: cartridges(48) }) })),
  ],
  ["no cartridges", envelope(freestylePayload({ metrics: freestyleMetrics({ cartridges: {} }) }))],
  ["32 faults", envelope(freestylePayload({ faults: faults(32) }))],
  ["a cabinet at -10 °C", envelope(freestylePayload({ metrics: freestyleMetrics({ cabinetTempC: -10 }) }))],
  ["a robot at -120 dBm", robotEnvelope(robotPayload({ metrics: robotMetrics({ rssiDbm: -120 }) }))],
  [
    "a robot with a critical battery fault",
    robotEnvelope(robotPayload({ faults: [{ code: "BATTERY_CRITICAL", severity: "critical" }] })),
  ],
];

describe("validate", () => {
  it.each(rejections)("rejects %s", (_what, input, reason, detail) => {
    const verdict = validate(input);
    expect(verdict).toMatchObject({ ok: false, reason });
    if (!verdict.ok) expect(verdict.detail).toContain(detail);
  });

  it.each(acceptances)("accepts %s", (_what, input) => {
    expect(validate(input)).toMatchObject({ ok: true });
  });

  it("covers every reason code in the rejection table", () => {
    const covered = new Set(rejections.map(([, , reason]) => reason));
    // VALIDATION_FAILED takes a defect to reach: validate.property.test.ts reaches it on purpose.
    expect(REJECT_REASONS.filter((reason) => !covered.has(reason))).toEqual(["VALIDATION_FAILED"]);
  });

  it("turns a valid dispenser message into a canonical record with its origin", () => {
    const verdict = validate(envelope(freestylePayload(), { thing: "fs-canon" }));
    expect(verdict).toEqual({
      ok: true,
      record: {
        thing: "fs-canon",
        type: "freestyle",
        seq: 1234,
        ts: RECEIVED_AT - 500,
        receivedAt: RECEIVED_AT,
        messageId: "5f0f4a51-5d3c-4b8e-9d53-3b1f7f0e8a11",
        metrics: freestyleMetrics({}),
        faults: [{ code: "CARTRIDGE_LOW", severity: "minor", detail: "lemon 8%" }],
      },
    });
  });

  it("gives a robot record an empty fault list when the device sent none", () => {
    const verdict = validate(robotEnvelope(robotPayload(), "rb-nofaults"));
    expect(verdict.ok && verdict.record).toMatchObject({ thing: "rb-nofaults", type: "robot", faults: [] });
  });

  it("judges the topic before the payload, so a stranger's garbage is THING_MISMATCH", () => {
    expect(validate(envelope("not json", { clientId: "intruder" }))).toMatchObject({
      reason: "THING_MISMATCH",
    });
  });
});
