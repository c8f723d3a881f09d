import { forgetOldest } from "../../lib/forget-oldest.js";

/** Why the broker refused a client or a packet; each is counted and logged by thing. */
export const REFUSALS = [
  "bad-credentials",
  "tls-handshake",
  "bad-certificate",
  "unknown-thing",
  "client-id-mismatch",
  "publish-denied",
  "subscribe-denied",
  "payload-too-large",
  "qos2-publish",
  "qos2-subscribe",
  "subscription-limit",
  "subscribe-filters-limit",
  "throttled",
  "pipeline-behind",
  "retain-denied",
  "packet-too-large",
  "connection-limit",
  "browser-page",
] as const;

export type Refusal = (typeof REFUSALS)[number];

export type RefusalCounts = Record<Refusal, number>;

export function emptyRefusalCounts(): RefusalCounts {
  return Object.fromEntries(REFUSALS.map((refusal) => [refusal, 0])) as RefusalCounts;
}

/** A client refused this often within a minute is worth an operator's look (`/api/health`). */
export const REFUSED_OFTEN = { times: 10, withinMs: 60_000 } as const;

export interface RefusedOften {
  clientId: string;
  /** Refusals within the last minute. */
  count: number;
  refusal: Refusal;
  detail: string;
}

/** Refusals are counted in buckets this long; a client's count covers the last six of them. */
const BUCKET_MS = 10_000;
const BUCKETS = REFUSED_OFTEN.withinMs / BUCKET_MS;
/** Clients remembered at most: a flood of one-off client ids cannot grow the record without bound. */
const MAX_CLIENTS = 20_000;

interface ClientRefusals {
  /** Refusals per bucket, and which bucket (`at / BUCKET_MS`) each slot counts now. */
  counts: number[];
  buckets: number[];
  last: number;
  refusal: Refusal;
  detail: string;
}

/**
 * The refusals of each client over the last minute: a device refused again and again — a stale
 * token, a name another fleet took, a topic it may not use — is named in `/api/health`. Noting a
 * refusal costs the same however many clients are refused and however often (a throttled fleet
 * is refused tens of thousands of times a second): counts go in ten-second buckets, and the
 * clients are kept in the order they were last refused, so forgetting stops at the first client
 * refused within the minute.
 */
export class RecentRefusals {
  private readonly byClient = new Map<string, ClientRefusals>();

  note(clientId: string, refusal: Refusal, detail: string, now: number): void {
    if (clientId === "") return;
    let entry = this.byClient.get(clientId);
    if (entry) this.byClient.delete(clientId);
    else
      entry = {
        counts: new Array(BUCKETS).fill(0),
        buckets: new Array(BUCKETS).fill(-1),
        last: now,
        refusal,
        detail,
      };
    const bucket = Math.floor(now / BUCKET_MS);
    const slot = bucket % BUCKETS;
    if (entry.buckets[slot] !== bucket) {
      entry.buckets[slot] = bucket;
      entry.counts[slot] = 0;
    }
    entry.counts[slot] = (entry.counts[slot] ?? 0) + 1;
    entry.last = now;
    entry.refusal = refusal;
    entry.detail = detail;
    this.byClient.set(clientId, entry);
    this.forget(now);
  }

  /** Clients with a refusal on record. */
  get clients(): number {
    return this.byClient.size;
  }

  often(now: number): RefusedOften[] {
    this.forget(now);
    const often: RefusedOften[] = [];
    for (const [clientId, entry] of this.byClient) {
      const count = countWithin(entry, now);
      if (count >= REFUSED_OFTEN.times)
        often.push({ clientId, count, refusal: entry.refusal, detail: entry.detail });
    }
    return often.sort((a, b) => b.count - a.count);
  }

  /** Drops the clients not refused within the minute (the oldest first), and the oldest past the bound. */
  private forget(now: number): void {
    forgetOldest(this.byClient, (entry) => entry.last > now - REFUSED_OFTEN.withinMs, MAX_CLIENTS);
  }
}

function countWithin(entry: ClientRefusals, now: number): number {
  const current = Math.floor(now / BUCKET_MS);
  let count = 0;
  entry.buckets.forEach((bucket, i) => {
    if (bucket > current - BUCKETS) count += entry.counts[i] ?? 0;
  });
  return count;
}
