import { TEST_EPOCH } from "@fleetline/testing";
import { freestyleRecord } from "../../contract/index.js";
import type { StreamInput } from "../../src/pipeline/index.js";
import type { TelemetryRecord } from "../../src/telemetry/index.js";

type Fault = TelemetryRecord["faults"][number];

/** A robot's canonical record, `seq` seconds into the test day. */
export function robotReport(thing: string, seq: number, faults: Fault[] = []): TelemetryRecord {
  return {
    thing,
    type: "robot",
    seq,
    ts: TEST_EPOCH + seq * 1000,
    receivedAt: TEST_EPOCH + seq * 1000 + 30,
    messageId: `${thing}-${seq}`,
    metrics: { batteryPct: 4, state: "cleaning", binFull: false, x: 0, y: 0, areaM2: 1, rssiDbm: -60 },
    faults,
  } as TelemetryRecord;
}

/** A dispenser's canonical record (the store contract's) with the given cartridge levels. */
export function freestyleReport(
  thing: string,
  seq: number,
  cartridges: Record<string, number> = { cola: 60 },
  faults: Fault[] = [],
): TelemetryRecord {
  const record = freestyleRecord(thing, seq, { faults } as Partial<TelemetryRecord>);
  return { ...record, metrics: { ...record.metrics, cartridges } } as TelemetryRecord;
}

export const batteryCritical: Fault[] = [{ code: "BATTERY_CRITICAL", severity: "critical", detail: "4%" }];

let sequence = 0;

/** Records as a stream batch hands them over: ids as sequence numbers, bytes as JSON. */
export function batch(records: readonly TelemetryRecord[]): StreamInput[] {
  return records.map((record) => ({
    id: String(++sequence).padStart(10, "0"),
    data: new TextEncoder().encode(JSON.stringify(record)),
  }));
}
