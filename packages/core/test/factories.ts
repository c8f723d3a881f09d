import type { RuleEnvelope } from "../src/telemetry/index.js";

export const RECEIVED_AT = 1_764_297_000_000;
export const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;

export function freestylePayload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    v: 1,
    seq: 1234,
    ts: RECEIVED_AT - 500,
    metrics: {
      cabinetTempC: 3.9,
      co2Kpa: 410,
      waterKpa: 280,
      pours: 3,
      cartridges: { cola: 62, lemon: 8 },
      state: "idle",
    },
    faults: [{ code: "CARTRIDGE_LOW", severity: "minor", detail: "lemon 8%" }],
    ...overrides,
  };
}

export function robotPayload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    v: 1,
    seq: 77,
    ts: RECEIVED_AT - 1000,
    metrics: {
      batteryPct: 54.5,
      state: "cleaning",
      binFull: false,
      x: 2.5,
      y: -1.25,
      areaM2: 12.4,
      rssiDbm: -61,
    },
    ...overrides,
  };
}

export function freestyleMetrics(overrides: Record<string, unknown>): Record<string, unknown> {
  return { ...(freestylePayload().metrics as Record<string, unknown>), ...overrides };
}

export function robotMetrics(overrides: Record<string, unknown>): Record<string, unknown> {
  return { ...(robotPayload().metrics as Record<string, unknown>), ...overrides };
}

export type Payload = string | Uint8Array | Record<string, unknown>;

function toBytes(payload: Payload): Uint8Array {
  if (payload instanceof Uint8Array) return payload;
  return new TextEncoder().encode(typeof payload === "string" ? payload : JSON.stringify(payload));
}

/** The record the telemetry rule puts on the raw stream, for a device publishing `payload`. */
export function envelope(
  payload: Payload,
  options: { type?: string; thing?: string; topic?: string; clientId?: string; receivedAt?: number } = {},
): RuleEnvelope {
  const thing = options.thing ?? "fs-1";
  const topic = options.topic ?? `dt/fleetline/${options.type ?? "freestyle"}/${thing}/telemetry`;
  return {
    payload: Buffer.from(toBytes(payload)).toString("base64"),
    topic,
    clientId: options.clientId ?? thing,
    receivedAt: options.receivedAt ?? RECEIVED_AT,
    messageId: "5f0f4a51-5d3c-4b8e-9d53-3b1f7f0e8a11",
  };
}

export function robotEnvelope(payload: Payload, thing = "rb-1"): RuleEnvelope {
  return envelope(payload, { type: "robot", thing });
}

/** Pads a valid payload with trailing JSON whitespace to exactly `bytes` bytes. */
export function paddedTo(payload: Record<string, unknown>, bytes: number): string {
  const text = JSON.stringify(payload);
  return text + " ".repeat(bytes - Buffer.byteLength(text));
}

export function cartridges(count: number, level = 50): Record<string, number> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`flavor${i}`, level]));
}

export function faults(count: number): Array<Record<string, unknown>> {
  return Array.from({ length: count }, () => ({ code: "NOZZLE_CLOG", severity: "major" }));
}
