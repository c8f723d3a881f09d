import { decodeUtf8, encodeBase64 } from "../common/bytes.js";
import { fleetlineError } from "../common/errors.js";
import { telemetryTopic } from "../devices/topics.js";
import type { BatchOutcome, StreamInput } from "../pipeline/batch-input.js";
import type { Counters } from "../pipeline/counters.js";
import type { Quarantine, QuarantineEntry } from "./quarantine.js";
import { TelemetryRecord } from "./schema/telemetry.js";
import type { TelemetryStore } from "./telemetry-store.js";

export interface StorePorts {
  store: TelemetryStore;
  counters: Counters;
  /** Where records the store refuses go (Timestream: outside the retention window). */
  quarantine?: Quarantine;
  onCounterError?: (error: unknown) => void;
}

/** A record the store refused, kept with the store's reason and the canonical record as payload. */
function refusedEntry(record: TelemetryRecord, reason: string): QuarantineEntry {
  return {
    messageId: record.messageId,
    receivedAt: record.receivedAt,
    topic: telemetryTopic(record.type, record.thing),
    clientId: record.thing,
    reason: /retention|too old|time/i.test(reason) ? "TIMESTAMP_TOO_OLD" : "OUT_OF_RANGE",
    detail: `refused by the telemetry store: ${reason}`,
    payloadBase64: encodeBase64(new TextEncoder().encode(JSON.stringify(record))),
  };
}

/**
 * The store function's work (docs/reference/contract.md §2): writes the validated stream's canonical records to the
 * telemetry store, idempotently on the record identity (thing, seq, ts). A store outage fails every record for retry.
 */
export async function storeRecords(inputs: readonly StreamInput[], ports: StorePorts): Promise<BatchOutcome> {
  const records: TelemetryRecord[] = [];
  const failed = new Map<string, Error>();
  for (const input of inputs) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(decodeUtf8(input.data) ?? "");
    } catch {
      parsed = undefined;
    }
    const result = TelemetryRecord.safeParse(parsed);
    if (result.success) records.push(result.data);
    // A bug upstream, never retried: poison, for the dead-letter queue.
    else
      failed.set(
        input.id,
        fleetlineError("RECORD_INVALID", result.error.issues[0]?.message ?? "not a telemetry record"),
      );
  }
  if (records.length === 0) return { failed };
  try {
    const { stored, duplicates, rejected = [] } = await ports.store.write(records);
    if (rejected.length > 0) {
      if (!ports.quarantine)
        throw new Error(`${rejected.length} records refused by the store and no quarantine to keep them`);
      await ports.quarantine.put(rejected.map(({ record, reason }) => refusedEntry(record, reason)));
    }
    await ports.counters.add({ stored, duplicates }).catch((error: unknown) => ports.onCounterError?.(error));
    return { failed };
  } catch (cause) {
    const error = fleetlineError("STORE_UNAVAILABLE", "the telemetry store could not be written", cause);
    for (const input of inputs) if (!failed.has(input.id)) failed.set(input.id, error);
    return { failed };
  }
}
