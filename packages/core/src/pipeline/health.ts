/**
 * The pipeline's health as `GET /api/health` reports it: one entry per component (the broker, each
 * rule, each event source, the stores, the queues), each `ok`, `degraded` (working, with trouble
 * worth a look: retries, failures a moment ago, a growing backlog) or `down` (not doing its job:
 * nothing gets through until it recovers).
 */
export type HealthStatus = "ok" | "degraded" | "down";

export interface ComponentHealth {
  /** e.g. `broker`, `rule:telemetry`, `eventSource:store`, `store`, `queues`. */
  name: string;
  status: HealthStatus;
  /** One line: what is wrong, or what it is doing. */
  detail: string;
  /** Figures behind the status (iterator age, records behind, failures, queue depths…). */
  metrics: Record<string, number | string | boolean | null>;
}

export interface HealthReport {
  /** The worst component's status. */
  status: HealthStatus;
  checkedAt: number;
  components: ComponentHealth[];
}

const RANK: Record<HealthStatus, number> = { ok: 0, degraded: 1, down: 2 };

/** The worst of some statuses; `ok` for none. */
export function worstStatus(statuses: Iterable<HealthStatus>): HealthStatus {
  let worst: HealthStatus = "ok";
  for (const status of statuses) if (RANK[status] > RANK[worst]) worst = status;
  return worst;
}

/** A report from its components. */
export function healthReport(components: ComponentHealth[], checkedAt: number): HealthReport {
  return { status: worstStatus(components.map((c) => c.status)), checkedAt, components };
}
