/** The pipeline's running totals, as `/api/stats` reports them (docs/reference/api.md). */
export const COUNTER_NAMES = [
  "received",
  "valid",
  "rejected",
  "stored",
  "duplicates",
  "alertsRaised",
  "shadowUpdates",
  "commandsDelivered",
  "commandsExpired",
  "commandsFailed",
  "shadowDocumentsRejected",
] as const;

export type CounterName = (typeof COUNTER_NAMES)[number];
export type CounterValues = Record<CounterName, number>;

/** Durable counters locally; CloudWatch metrics on AWS. */
export interface Counters {
  add(increments: Partial<CounterValues>): Promise<void>;
  read(): Promise<CounterValues>;
}

/** Counting never fails the work it counts: a lost increment is reported, not thrown. */
export function count(
  ports: { counters: Counters; onCounterError?: (error: unknown) => void },
  increments: Parameters<Counters["add"]>[0],
) {
  return ports.counters.add(increments).catch((error: unknown) => ports.onCounterError?.(error));
}
