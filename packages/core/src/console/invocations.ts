/**
 * The invocation console's wire format (docs/reference/contract.md §3): what `fleetline dev` records of each
 * function's invocations and serves on /api/functions and /api/invocations, read by `fleetline
 * logs` and the dashboard's Functions view.
 */

export type InvocationStatus = "running" | "ok" | "partial" | "error";

/** What started an invocation: a stream's event source, an asynchronous invoke, the schedule, a replay, a redrive. */
export type InvocationTrigger = "kinesis" | "async" | "schedule" | "provisioning" | "replay" | "redrive";

export interface LogLine {
  at: number;
  stream: "stdout" | "stderr";
  line: string;
}

/** One invocation of one function, as the invocation console shows it (docs/reference/contract.md §3). */
export interface InvocationRecord {
  id: string;
  functionName: string;
  trigger: InvocationTrigger;
  /** The invocation this one replayed. */
  replayOf?: string;
  /** For a stream batch: its shard, size, and first and last sequence numbers. */
  shardId?: string;
  batchSize?: number;
  firstSequenceNumber?: string;
  lastSequenceNumber?: string;
  startedAt: number;
  durationMs?: number;
  status: InvocationStatus;
  /** A partial batch failure: the item identifiers the function reported. */
  failedItems?: string[];
  error?: { type: string; message: string; stack?: string };
  /** What the handler wrote while it ran (bounded; `logsDropped` counts the rest). */
  logs: LogLine[];
  logsDropped: number;
  /** The event it received; kept so it can be replayed. */
  event: unknown;
}

/** An invocation as `GET /api/invocations` lists it: all but its event and logs (a batch can be large). */
export type InvocationSummary = Omit<InvocationRecord, "event" | "logs"> & { logLines: number };

/** One function's figures over the invocations kept (`GET /api/functions`). */
export interface FunctionFigures {
  name: string;
  invocations: number;
  /** Invocations started in the last minute. */
  perMinute: number;
  errors: number;
  partial: number;
  p50Ms: number | null;
  p99Ms: number | null;
  lastInvokedAt: number | null;
  /** How far behind its stream the function's event source is; null for a function without one. */
  iteratorAgeMs: number | null;
}
