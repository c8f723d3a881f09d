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

/**
 * The refusals of each client over the last minute: a device refused again and again — a stale
 * token, a name another fleet took, a topic it may not use — is named in `/api/health`.
 */
export class RecentRefusals {
  private readonly byClient = new Map<string, { at: number[]; refusal: Refusal; detail: string }>();

  note(clientId: string, refusal: Refusal, detail: string, now: number): void {
    if (clientId === "") return;
    const entry = this.byClient.get(clientId) ?? { at: [], refusal, detail };
    entry.at = entry.at.filter((at) => at > now - REFUSED_OFTEN.withinMs);
    entry.at.push(now);
    entry.refusal = refusal;
    entry.detail = detail;
    this.byClient.set(clientId, entry);
    // Bounded: a flood of one-off client ids cannot grow this past a few thousand entries.
    if (this.byClient.size > 5_000) this.forget(now);
  }

  often(now: number): RefusedOften[] {
    this.forget(now);
    return [...this.byClient]
      .map(([clientId, entry]) => ({
        clientId,
        count: entry.at.filter((at) => at > now - REFUSED_OFTEN.withinMs).length,
        refusal: entry.refusal,
        detail: entry.detail,
      }))
      .filter((entry) => entry.count >= REFUSED_OFTEN.times)
      .sort((a, b) => b.count - a.count);
  }

  private forget(now: number): void {
    for (const [clientId, entry] of this.byClient)
      if ((entry.at.at(-1) ?? 0) <= now - REFUSED_OFTEN.withinMs) this.byClient.delete(clientId);
  }
}
