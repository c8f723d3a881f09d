import type { RejectReason } from "@fleetline/core/telemetry";
import { freestyleTelemetry } from "../../packages/cli/test/dev-process.js";

/** A valid dispenser report at `ts`, the base each hostile payload bends. */
export function report(ts: number, seq = 1): Record<string, unknown> {
  return JSON.parse(freestyleTelemetry(seq, ts));
}

const text = (value: string) => Buffer.from(value, "utf8");
const json = (value: unknown) => text(JSON.stringify(value));
const withMetrics = (ts: number, metrics: Record<string, unknown>) =>
  json({ ...report(ts), metrics: { ...(report(ts).metrics as object), ...metrics } });

export interface HostilePayload {
  name: string;
  payload: (ts: number) => Buffer;
  /** The reason it is quarantined with. */
  reason: RejectReason;
}

/**
 * Payloads a device may publish on its own telemetry topic that must be quarantined, each with its
 * reason: malformed and tricky JSON, prototype-pollution keys, invalid UTF-8, unicode tricks, huge
 * numbers, long strings, deep nesting, limits.
 */
export const HOSTILE_PAYLOADS: HostilePayload[] = [
  { name: "empty payload", payload: () => Buffer.alloc(0), reason: "MALFORMED_JSON" },
  { name: "truncated JSON", payload: (ts) => json(report(ts)).subarray(0, 20), reason: "MALFORMED_JSON" },
  { name: "JSON with a comment", payload: () => text('{"v":1 /* hi */}'), reason: "MALFORMED_JSON" },
  { name: "single-quoted JSON", payload: () => text("{'v':1}"), reason: "MALFORMED_JSON" },
  { name: "trailing comma", payload: () => text('{"v":1,}'), reason: "MALFORMED_JSON" },
  { name: "hex number", payload: () => text('{"v":0x1}'), reason: "MALFORMED_JSON" },
  { name: "NaN literal", payload: (ts) => text(`{"v":1,"seq":NaN,"ts":${ts}}`), reason: "MALFORMED_JSON" },
  {
    name: "Infinity literal",
    payload: (ts) => text(`{"v":1,"seq":Infinity,"ts":${ts}}`),
    reason: "MALFORMED_JSON",
  },
  { name: "only whitespace", payload: () => Buffer.alloc(4096, 0x20), reason: "MALFORMED_JSON" },
  {
    name: "invalid UTF-8 bytes",
    payload: () => Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
    reason: "MALFORMED_JSON",
  },
  {
    name: "overlong UTF-8 encoding of '/'",
    payload: () => Buffer.from([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x7d]),
    reason: "MALFORMED_JSON",
  },
  {
    name: "UTF-8 byte-order mark",
    payload: (ts) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json(report(ts))]),
    reason: "MALFORMED_JSON",
  },
  {
    name: "NUL byte in the document",
    payload: (ts) => Buffer.concat([json(report(ts)), Buffer.from([0])]),
    reason: "MALFORMED_JSON",
  },
  { name: "null", payload: () => text("null"), reason: "NOT_AN_OBJECT" },
  { name: "an array", payload: (ts) => json([report(ts)]), reason: "NOT_AN_OBJECT" },
  { name: "a string", payload: () => text('"hello"'), reason: "NOT_AN_OBJECT" },
  { name: "a number", payload: () => text("42"), reason: "NOT_AN_OBJECT" },
  {
    name: "arrays nested 50,000 deep",
    payload: () => text(`${"[".repeat(50_000)}${"]".repeat(50_000)}`),
    reason: "NOT_AN_OBJECT",
  },
  {
    name: "objects nested 20,000 deep in metrics",
    payload: (ts) =>
      text(
        JSON.stringify(report(ts)).replace(
          '"cola":50',
          `"cola":${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}`,
        ),
      ),
    reason: "WRONG_TYPE",
  },
  {
    name: "__proto__ at the top",
    payload: (ts) => text(JSON.stringify(report(ts)).replace('"v":1', '"__proto__":{"admin":true},"v":1')),
    reason: "FORBIDDEN_KEY",
  },
  {
    name: "constructor in metrics",
    payload: (ts) =>
      text(JSON.stringify(report(ts)).replace('"state"', '"constructor":{"prototype":{}},"state"')),
    reason: "FORBIDDEN_KEY",
  },
  {
    name: "prototype as a cartridge flavor",
    payload: (ts) => withMetrics(ts, { cartridges: { prototype: 5 } }),
    reason: "FORBIDDEN_KEY",
  },
  {
    name: "__proto__ deep in a fault",
    payload: (ts) =>
      text(
        JSON.stringify({ ...report(ts), faults: [{ code: "NOZZLE_CLOG", severity: "minor" }] }).replace(
          '"severity"',
          '"__proto__":{},"severity"',
        ),
      ),
    reason: "FORBIDDEN_KEY",
  },
  { name: "version as a string", payload: (ts) => json({ ...report(ts), v: "1" }), reason: "WRONG_TYPE" },
  { name: "version 2", payload: (ts) => json({ ...report(ts), v: 2 }), reason: "UNSUPPORTED_VERSION" },
  {
    name: "duplicate keys, the last wins: v 2",
    payload: (ts) => text(JSON.stringify(report(ts)).replace('"v":1', '"v":1,"v":2')),
    reason: "UNSUPPORTED_VERSION",
  },
  { name: "no metrics", payload: (ts) => json({ v: 1, seq: 1, ts }), reason: "MISSING_FIELD" },
  {
    name: "a metric missing",
    payload: (ts) => json({ ...report(ts), metrics: { cabinetTempC: 4 } }),
    reason: "MISSING_FIELD",
  },
  {
    name: "an extra top-level field",
    payload: (ts) => json({ ...report(ts), admin: true }),
    reason: "UNKNOWN_FIELD",
  },
  {
    name: "a zero-width space in a metric name",
    payload: (ts) => withMetrics(ts, { "cabinet\u200bTempC": 4 }),
    reason: "UNKNOWN_FIELD",
  },
  {
    name: "a Cyrillic homoglyph in a metric name",
    payload: (ts) => withMetrics(ts, { "c\u0430binetTempC": 4 }),
    reason: "UNKNOWN_FIELD",
  },
  {
    name: "a robot metric on a dispenser",
    payload: (ts) => withMetrics(ts, { batteryPct: 50 }),
    reason: "UNKNOWN_FIELD",
  },
  {
    name: "a 10,000-character metric name",
    payload: (ts) => withMetrics(ts, { ["m".repeat(10_000)]: 1 }),
    reason: "UNKNOWN_FIELD",
  },
  { name: "seq negative", payload: (ts) => json({ ...report(ts), seq: -1 }), reason: "OUT_OF_RANGE" },
  {
    name: "seq beyond 2^53",
    payload: (ts) => text(JSON.stringify(report(ts)).replace('"seq":1', '"seq":9007199254740993')),
    reason: "OUT_OF_RANGE",
  },
  {
    name: "a 400-digit number",
    payload: (ts) => text(JSON.stringify(report(ts)).replace('"co2Kpa":410', `"co2Kpa":${"9".repeat(400)}`)),
    reason: "OUT_OF_RANGE",
  },
  {
    name: "1e400 (Infinity once parsed)",
    payload: (ts) => text(JSON.stringify(report(ts)).replace('"co2Kpa":410', '"co2Kpa":1e400')),
    reason: "OUT_OF_RANGE",
  },
  {
    name: "a temperature of -1e308",
    payload: (ts) => withMetrics(ts, { cabinetTempC: -1e308 }),
    reason: "OUT_OF_RANGE",
  },
  {
    name: "a cartridge at 101 %",
    payload: (ts) => withMetrics(ts, { cartridges: { cola: 101 } }),
    reason: "OUT_OF_RANGE",
  },
  {
    name: "a temperature as the string NaN",
    payload: (ts) => withMetrics(ts, { cabinetTempC: "NaN" }),
    reason: "WRONG_TYPE",
  },
  { name: "ts as a string", payload: (ts) => json({ ...report(ts), ts: String(ts) }), reason: "WRONG_TYPE" },
  {
    name: "a state in capitals",
    payload: (ts) => withMetrics(ts, { state: "IDLE" }),
    reason: "OUT_OF_RANGE",
  },
  {
    name: "a 100 KB state string",
    payload: (ts) => withMetrics(ts, { state: "x".repeat(100_000) }),
    reason: "OUT_OF_RANGE",
  },
  {
    name: "a right-to-left override in a flavor",
    payload: (ts) => withMetrics(ts, { cartridges: { "cola\u202e": 5 } }),
    reason: "OUT_OF_RANGE",
  },
  {
    name: "a flavor with a slash",
    payload: (ts) => withMetrics(ts, { cartridges: { "../etc": 5 } }),
    reason: "OUT_OF_RANGE",
  },
  {
    name: "49 cartridges",
    payload: (ts) =>
      withMetrics(ts, { cartridges: Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`f${i}`, 1])) }),
    reason: "OUT_OF_RANGE",
  },
  {
    name: "33 faults",
    payload: (ts) =>
      json({ ...report(ts), faults: Array(33).fill({ code: "NOZZLE_CLOG", severity: "minor" }) }),
    reason: "TOO_MANY_FAULTS",
  },
  {
    name: "2,000 faults",
    payload: (ts) =>
      json({ ...report(ts), faults: Array(2_000).fill({ code: "NOZZLE_CLOG", severity: "minor" }) }),
    reason: "TOO_MANY_FAULTS",
  },
  {
    name: "an unknown fault code",
    payload: (ts) => json({ ...report(ts), faults: [{ code: "SELF_DESTRUCT", severity: "critical" }] }),
    reason: "UNKNOWN_FAULT_CODE",
  },
  {
    name: "a 10,000-character fault detail",
    payload: (ts) =>
      json({
        ...report(ts),
        faults: [{ code: "NOZZLE_CLOG", severity: "minor", detail: "d".repeat(10_000) }],
      }),
    reason: "OUT_OF_RANGE",
  },
  {
    name: "a lone UTF-16 surrogate in a string",
    payload: (ts) => text(JSON.stringify(report(ts)).replace('"idle"', '"\\ud800"')),
    reason: "OUT_OF_RANGE",
  },
  {
    name: "ts a year ahead",
    payload: (ts) => json({ ...report(ts), ts: ts + 365 * 86_400_000 }),
    reason: "TIMESTAMP_IN_FUTURE",
  },
  { name: "ts in 1970", payload: () => json(report(1)), reason: "TIMESTAMP_TOO_OLD" },
];
