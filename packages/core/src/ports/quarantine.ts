import type { Page, PageRequest, SortPosition } from "../paging.js";
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
  /** Newest first (by `receivedAt`, then messageId). */
  page(request: PageRequest): Promise<Page<QuarantineEntry>>;
}

/** Where an entry sorts in `page`. */
export function quarantinePosition(entry: QuarantineEntry): SortPosition {
  return { at: entry.receivedAt, id: entry.messageId };
}
