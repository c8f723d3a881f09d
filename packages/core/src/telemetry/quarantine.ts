import { type Page, type PageRequest, type SortPosition, sortsAfter } from "../common/paging.js";
import { RETENTION } from "../pipeline/retention.js";
import type { RejectReason } from "./reasons.js";
import type { RuleEnvelope } from "./schema/rule-envelope.js";

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

/** Which quarantined messages a redrive takes: by reason, received since (epoch ms), thing. */
export interface QuarantineFilter {
  reason?: string;
  since?: number;
  thing?: string;
  /** Only entries sorting after this one (by `receivedAt`, then messageId): where a redrive run is. */
  after?: SortPosition;
}

export interface Quarantine {
  /** Adds entries idempotently by messageId; returns how many were new. */
  put(entries: readonly QuarantineEntry[]): Promise<number>;
  /** Newest first (by `receivedAt`, then messageId). */
  page(request: PageRequest): Promise<Page<QuarantineEntry>>;
  /** The oldest `limit` entries matching every filter given, oldest first (by `receivedAt`, then messageId). */
  select(filter: QuarantineFilter, limit: number): Promise<QuarantineEntry[]>;
  /** Removes entries (once redriven); one already gone is no error. */
  remove(entries: readonly QuarantineEntry[]): Promise<void>;
  /** How many entries match `filter`; every entry without one. */
  count(filter?: QuarantineFilter): Promise<number>;
}

/** The thing a quarantined message came from: its topic's fourth level, dt/fleetline/{type}/{thing}/telemetry. */
export function quarantinedThing(entry: Pick<QuarantineEntry, "topic">): string | undefined {
  return entry.topic.split("/")[3];
}

/** Whether `entry` passes every filter given (`Quarantine.select`'s rule, for adapters that filter in code). */
export function quarantineMatches(entry: QuarantineEntry, filter: QuarantineFilter): boolean {
  return (
    (filter.reason === undefined || entry.reason === filter.reason) &&
    entry.receivedAt >= (filter.since ?? 0) &&
    (filter.thing === undefined || quarantinedThing(entry) === filter.thing) &&
    sortsAfter(quarantinePosition(entry), filter.after)
  );
}

/** Where an entry sorts in `page`. */
export function quarantinePosition(entry: QuarantineEntry): SortPosition {
  return { at: entry.receivedAt, id: entry.messageId };
}

/**
 * What the telemetry rule put on the raw stream for a quarantined message (docs/reference/contract.md §2):
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

/** When a store may forget a quarantined message. */
export function quarantineExpiresAt(entry: QuarantineEntry): number {
  return entry.receivedAt + RETENTION.quarantineMs;
}
