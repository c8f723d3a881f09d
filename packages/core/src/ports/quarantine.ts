import type { RejectReason } from "../reasons.js";

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
  /** Newest first. */
  list(options: { limit: number }): Promise<QuarantineEntry[]>;
}
