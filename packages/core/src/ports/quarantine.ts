import type { Page, PageRequest, SortPosition } from "../paging.js";
import type { RejectReason } from "../reasons.js";
import type { RuleEnvelope } from "../schema/rule-envelope.js";

/** A rejected message, kept with its original bytes so it can be inspected and redriven. */
export interface QuarantineEntry {
  /** The rule's messageId: quarantining the same message twice keeps one entry. */
  messageId: string;
  receivedAt: number;
  topic: string;
  clientId: string;
  reason: RejectReason;
  detail: string;
  payloadBase64: string;
}

export interface Quarantine {
  /** Adds entries idempotently by messageId; returns how many were new. */
  put(entries: readonly QuarantineEntry[]): Promise<number>;
  /** Newest first (by `receivedAt`, then messageId). */
  page(request: PageRequest): Promise<Page<QuarantineEntry>>;
}

/** Where an entry sorts in `page`. */
export function quarantinePosition(entry: QuarantineEntry): SortPosition {
  return { at: entry.receivedAt, id: entry.messageId };
}

/**
 * What the telemetry rule put on the raw stream for a quarantined message (docs/contract.md §2):
 * its original bytes, topic, client, time received and message id — so it can be judged and sent
 * through the pipeline again as the same message.
 */
export function envelopeOf(entry: QuarantineEntry): RuleEnvelope {
  const [, , type, thing] = entry.topic.split("/");
  return {
    payload: entry.payloadBase64,
    topic: entry.topic,
    clientId: entry.clientId,
    receivedAt: entry.receivedAt,
    messageId: entry.messageId,
    ...(type === undefined ? {} : { type }),
    ...(thing === undefined ? {} : { thing }),
  };
}
