import { type ComponentHealth, type HealthStatus, worstStatus } from "@fleetline/core/pipeline";
import { RECENT_MS } from "../../lib/outcome-tracker.js";
import type { ShardProgress } from "./shard-poller.js";

/** A shard whose oldest waiting record is older than this is falling behind. */
export const ITERATOR_AGE_DEGRADED_MS = 60_000;

export interface MappingSnapshot {
  functionName: string;
  streamName: string;
  stats: {
    invocations: number;
    records: number;
    functionErrors: number;
    deadLettered: number;
    lastError?: { at: number; message: string };
  };
  shards: ShardProgress[];
  /** How long each shard waiting for a timed-out invocation to return has waited, in ms. */
  waitingForAbandoned: number[];
  /** Checkpoints or on-failure records that cannot be written now. */
  stuck: string[];
  crashed?: string;
  now: number;
}

/** One event-source mapping as /api/health shows it (`eventSource:{function}`). */
export function mappingHealth(snapshot: MappingSnapshot): ComponentHealth {
  const { shards, stats, now } = snapshot;
  const iteratorAgeMs = Math.max(0, ...shards.map((s) => s.iteratorAgeMs));
  const recordsBehind = shards.reduce((sum, s) => sum + s.recordsBehind, 0);
  const problems: Array<[HealthStatus, string]> = [];
  if (snapshot.crashed) problems.push(["down", `stopped polling: ${snapshot.crashed}`]);
  for (const stuck of snapshot.stuck) problems.push(["down", stuck]);
  for (const shard of shards.filter((s) => s.unreachable)) {
    problems.push(["down", `cannot read ${shard.shardId}: ${shard.lastReadError ?? "unknown error"}`]);
  }
  for (const waited of snapshot.waitingForAbandoned) {
    problems.push([
      "degraded",
      `a retry waits for a timed-out invocation to return (${Math.round(waited / 1000)} s so far)`,
    ]);
  }
  for (const shard of shards.filter((s) => s.retrying)) {
    problems.push(["degraded", `retrying a failed batch on ${shard.shardId}`]);
  }
  if (iteratorAgeMs > ITERATOR_AGE_DEGRADED_MS) {
    problems.push(["degraded", `the oldest waiting record is ${Math.round(iteratorAgeMs / 1000)} s old`]);
  }
  if (stats.lastError && now - stats.lastError.at < RECENT_MS) {
    const ago = Math.round((now - stats.lastError.at) / 1000);
    problems.push(["degraded", `last function error ${ago} s ago: ${stats.lastError.message}`]);
  }
  const behind = `${recordsBehind}${shards.some((s) => s.readAheadFull) ? "+" : ""} records behind`;
  return {
    name: `eventSource:${snapshot.functionName}`,
    status: worstStatus(problems.map(([status]) => status)),
    detail:
      problems.length > 0
        ? problems.map(([, text]) => text).join("; ")
        : `${snapshot.streamName} → ${snapshot.functionName}: ${recordsBehind === 0 ? "caught up" : behind}`,
    metrics: {
      iteratorAgeMs,
      recordsBehind,
      recordsBehindCapped: shards.some((s) => s.readAheadFull),
      invocations: stats.invocations,
      records: stats.records,
      functionErrors: stats.functionErrors,
      deadLettered: stats.deadLettered,
      lastFunctionError: stats.lastError?.message ?? null,
    },
  };
}
