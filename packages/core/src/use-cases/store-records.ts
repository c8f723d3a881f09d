import { decodeUtf8 } from "../bytes.js";
import { fleetlineError } from "../errors.js";
import type { Counters } from "../ports/counters.js";
import type { TelemetryStore } from "../ports/telemetry-store.js";
import { TelemetryRecord } from "../schema/telemetry.js";
import type { BatchOutcome, StreamInput } from "./batch-input.js";

export interface StorePorts {
  store: TelemetryStore;
  counters: Counters;
  /** A record on the validated stream that is not a canonical record: a bug upstream, never retried. */
  onPoison?: (id: string, detail: string) => void;
  onCounterError?: (error: unknown) => void;
}

/**
 * The store function's work (SPEC §2): writes the validated stream's canonical records to the
 * telemetry store, idempotently on (thing, seq). A store outage fails every record for retry.
 */
export async function storeRecords(inputs: readonly StreamInput[], ports: StorePorts): Promise<BatchOutcome> {
  const records: TelemetryRecord[] = [];
  for (const input of inputs) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(decodeUtf8(input.data) ?? "");
    } catch {
      parsed = undefined;
    }
    const result = TelemetryRecord.safeParse(parsed);
    if (result.success) records.push(result.data);
    else ports.onPoison?.(input.id, result.error.issues[0]?.message ?? "not a telemetry record");
  }
  if (records.length === 0) return { failed: new Map() };
  try {
    const { stored, duplicates } = await ports.store.write(records);
    await ports.counters.add({ stored, duplicates }).catch((error: unknown) => ports.onCounterError?.(error));
    return { failed: new Map() };
  } catch (cause) {
    const error = fleetlineError("STORE_UNAVAILABLE", "the telemetry store could not be written", cause);
    return { failed: new Map(inputs.map((input) => [input.id, error])) };
  }
}
