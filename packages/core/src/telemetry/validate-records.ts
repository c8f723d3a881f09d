import { decodeUtf8, encodeBase64 } from "../common/bytes.js";
import { fleetlineError } from "../common/errors.js";
import type { BatchOutcome, StreamInput } from "../pipeline/batch-input.js";
import type { Counters } from "../pipeline/counters.js";
import type { PutFailure, StreamEntry, StreamProducer } from "../pipeline/stream-producer.js";
import type { Quarantine, QuarantineEntry } from "./quarantine.js";
import { validate } from "./validate.js";

export interface ValidatePorts {
  producer: StreamProducer;
  quarantine: Quarantine;
  counters: Counters;
  validatedStream: string;
  /** Counting must never fail a batch: a lost increment is logged, a retried batch would duplicate data. */
  onCounterError?: (error: unknown) => void;
  onRejected?: (entry: QuarantineEntry) => void;
}

function parseEnvelope(data: Uint8Array): unknown {
  const text = decodeUtf8(data);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** The quarantine entry for a rejected envelope: what the envelope says, and the device's bytes. */
function quarantineEntry(
  id: string,
  envelope: unknown,
  reason: QuarantineEntry["reason"],
  detail: string,
  raw: Uint8Array,
) {
  const fields = (typeof envelope === "object" && envelope !== null ? envelope : {}) as Record<
    string,
    unknown
  >;
  return {
    messageId: text(fields.messageId) || `stream:${id}`,
    receivedAt: typeof fields.receivedAt === "number" ? fields.receivedAt : 0,
    topic: text(fields.topic),
    clientId: text(fields.clientId),
    reason,
    detail,
    // The device's original bytes when the envelope carries them (an empty payload too), else the
    // whole record.
    payloadBase64: typeof fields.payload === "string" ? fields.payload : encodeBase64(raw),
  };
}

/**
 * The validate function's work (docs/reference/contract.md §2): judges every raw-stream record, puts the canonical
 * records on the validated stream (partition key = thing) and quarantines the rest with their
 * reason. Returns only the records whose writes failed, for the event source to retry.
 */
export async function validateRecords(
  inputs: readonly StreamInput[],
  ports: ValidatePorts,
): Promise<BatchOutcome> {
  const failed = new Map<string, Error>();
  const accepted: Array<{ id: string; entry: StreamEntry }> = [];
  const rejected: Array<{ id: string; entry: QuarantineEntry }> = [];
  for (const input of inputs) {
    const envelope = parseEnvelope(input.data);
    const verdict = validate(envelope);
    if (verdict.ok) {
      const data = new TextEncoder().encode(JSON.stringify(verdict.record));
      accepted.push({ id: input.id, entry: { partitionKey: verdict.record.thing, data } });
    } else {
      const entry = quarantineEntry(input.id, envelope, verdict.reason, verdict.detail, input.data);
      ports.onRejected?.(entry);
      rejected.push({ id: input.id, entry });
    }
  }

  let valid = 0;
  if (accepted.length > 0) {
    let failures: PutFailure[];
    try {
      failures = await ports.producer.put(
        ports.validatedStream,
        accepted.map((a) => a.entry),
      );
    } catch (cause) {
      // The stream could not be reached at all: every accepted record is retried; the rejected
      // ones are still quarantined below.
      const message = cause instanceof Error ? cause.message : String(cause);
      failures = accepted.map((_, index) => ({
        index,
        errorCode: "StreamUnreachable",
        errorMessage: message,
        retryable: true,
      }));
    }
    for (const failure of failures) {
      const id = accepted[failure.index]?.id;
      if (id !== undefined) {
        failed.set(
          id,
          fleetlineError("STREAM_WRITE_FAILED", `${failure.errorCode}: ${failure.errorMessage}`),
        );
      }
    }
    valid = accepted.length - failures.length;
  }

  let newlyRejected = 0;
  if (rejected.length > 0) {
    try {
      newlyRejected = await ports.quarantine.put(rejected.map((r) => r.entry));
    } catch (cause) {
      const error = fleetlineError("STORE_UNAVAILABLE", "the quarantine could not be written", cause);
      for (const { id } of rejected) failed.set(id, error);
    }
  }

  // `received` counts what entered the pipeline: every record read from the raw stream, here
  // and on AWS alike (a record of a retried batch counts again, as it is processed again).
  await ports.counters
    .add({ received: inputs.length, valid, rejected: newlyRejected })
    .catch((error: unknown) => ports.onCounterError?.(error));
  return { failed };
}
