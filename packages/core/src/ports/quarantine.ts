import type { RejectReason } from "../reasons.js";

/** A rejected message, kept with its original bytes so it can be inspected and redriven. */
export interface QuarantineEntry {
  receivedAt: number;
  topic: string;
  clientId: string;
  messageId: string;
  reason: RejectReason;
  detail: string;
  payloadBase64: string;
}

export interface Quarantine {
  put(entries: readonly QuarantineEntry[]): Promise<void>;
  /** Newest first. */
  list(options: { limit: number }): Promise<QuarantineEntry[]>;
}
