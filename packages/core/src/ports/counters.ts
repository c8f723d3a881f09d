/** The pipeline's running totals, as `/api/stats` reports them (docs/contract.md §4). */
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
