import type { AlarmState, EffectFailure } from "@fleetline/core/alarms";
import { type ComponentHealth, type HealthReport, healthReport, QUEUES } from "@fleetline/core/pipeline";
import type { LocalBroker } from "../iot/broker/broker.js";
import type { MessageSource } from "../iot/bus/message-source.js";
import { MqttSource } from "../iot/bus/mqtt-source.js";
import type { JobsService } from "../iot/jobs/jobs-service.js";
import type { ProvisioningService } from "../iot/provisioning/provisioning-service.js";
import { MAX_WAIT_MS, type RulesEngine } from "../iot/rules/rules-engine.js";
import { type OutcomeTracker, RECENT_MS } from "../lib/outcome-tracker.js";
import type { BacklogGate } from "../streams/event-sources/backlog-gate.js";
import type { EventSourceEmulator } from "../streams/event-sources/event-source-emulator.js";
import type { AsyncInvokerStats } from "../streams/lambda/async-invoker.js";
import type { LocalQueues } from "../streams/queues/local-queues.js";
import type { RunMark } from "./run-marker.js";
import type { Schedule } from "./schedule.js";

export interface HealthSources {
  broker: LocalBroker | undefined;
  source: MessageSource;
  engine: RulesEngine;
  /** Holds new messages while the functions are far behind the streams. */
  backlog: BacklogGate;
  eventSources: EventSourceEmulator;
  /** The functions rules invoke asynchronously (Lambda actions). */
  functions: AsyncInvokerStats;
  store: OutcomeTracker;
  storeLabel: string;
  queues: LocalQueues;
  startedAt: number;
  /** The previous run on this data dir, when it did not stop cleanly. */
  previousRun: RunMark | undefined;
  /** The alarm states that owe effects (longest-owing first), and the schedule's last sweep. */
  alarms: { owing: () => Promise<AlarmState[]>; lastSweep: Schedule["lastRun"]; failures: EffectFailures };
  jobs: JobsService;
  provisioning: ProvisioningService;
  now: number;
}

/** Effects owed longer than this (two sweeps) make the alarms component degraded. */
const OWED_TOO_LONG_MS = 120_000;

/** The alarm effects that failed: kept to be retried, or given up (a command the shadow refused). */
export interface EffectFailures {
  retried: number;
  givenUp: number;
  last?: { at: number; thing: string; effect: string; outcome: string; message: string };
}

/** Counts an effect failure for `/api/health`. */
export function recordEffectFailure(failures: EffectFailures, failure: EffectFailure, at: number): void {
  if (failure.outcome === "given up") failures.givenUp += 1;
  else failures.retried += 1;
  const what = failure.effect.kind === "command" ? "a command" : `an alert on ${failure.effect.channel}`;
  failures.last = {
    at,
    thing: failure.thing,
    effect: what,
    outcome: failure.outcome,
    message: failure.error instanceof Error ? failure.error.message : String(failure.error),
  };
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;
const messages = (n: number) => `${n} message${n === 1 ? "" : "s"}`;

function brokerHealth({ broker, source, now }: HealthSources): ComponentHealth {
  if (broker) {
    const refused = Object.values(broker.refusals).reduce((sum, n) => sum + n, 0);
    const often = broker.refusedOften(now);
    const worst = often[0];
    return {
      name: "broker",
      status: worst ? "degraded" : "ok",
      detail: worst
        ? `${worst.clientId} was refused ${worst.count} times in the last minute (${worst.refusal}: ${worst.detail})${often.length > 1 ? `, and ${often.length - 1} other client(s) often too` : ""}`
        : `embedded MQTT broker: ${broker.connectedClients} client${broker.connectedClients === 1 ? "" : "s"} connected`,
      metrics: {
        refusedOften: often.length,
        connected: broker.connectedClients,
        connectionsOpened: broker.connections.opened,
        connectionsClosed: broker.connections.closed,
        refused,
      },
    };
  }
  const external = source instanceof MqttSource ? source : undefined;
  const connected = external?.connected ?? true;
  const refused = external?.refused ?? [];
  const detail = !connected
    ? `cannot reach the external broker ${external?.url ?? ""}; reconnecting (${external?.lastError ?? "connection lost"})`
    : refused.length > 0
      ? `the external broker ${external?.url ?? ""} refused the subscriptions to ${refused.join(", ")}: check its ACL`
      : `external broker ${external?.url ?? ""}`;
  return {
    name: "broker",
    status: connected && refused.length === 0 ? "ok" : "down",
    detail,
    metrics: { connected, disconnects: external?.disconnects ?? 0, refusedSubscriptions: refused.length },
  };
}

function rulesHealth({ engine, backlog, eventSources, now }: HealthSources): ComponentHealth {
  const { stats } = engine;
  const gate = backlog.stats;
  const metrics = {
    messages: stats.messages,
    sentToErrorAction: stats.sentToErrorAction,
    held: stats.held,
    errorActionFailures: stats.errorActionFailures,
    slowed: gate.slowed,
    refusedBehind: stats.refusedBehind,
    waitingForBacklog: gate.waiting,
  };
  if (stats.held > 0) {
    const since = stats.heldSince === undefined ? "" : ` for ${seconds(now - stats.heldSince)}`;
    return {
      name: "rules",
      status: "down",
      detail: `${messages(stats.held)} unacknowledged${since}: neither the stream nor the rule-errors queue takes them (${stats.lastFailure?.message ?? "unknown error"})`,
      metrics,
    };
  }
  if (gate.closedSince !== undefined)
    return {
      name: "rules",
      status: "degraded",
      detail: `devices' PUBACKs wait for ${seconds(now - gate.closedSince)}: the functions are ${eventSources.recordsBehind()} records behind the streams (at most ${gate.limit}, --max-backlog); ${gate.slowed} batch${gate.slowed === 1 ? "" : "es"} of messages slowed so far, ${messages(stats.refusedBehind)} refused after waiting ${seconds(MAX_WAIT_MS)} (not acknowledged: devices send them again)`,
      metrics,
    };
  const recent = stats.lastErrorAction && now - stats.lastErrorAction.at < RECENT_MS;
  return {
    name: "rules",
    status: recent ? "degraded" : "ok",
    detail: recent
      ? `${messages(stats.sentToErrorAction)} sent to ${QUEUES.ruleErrors} so far, the last ${seconds(now - (stats.lastErrorAction?.at ?? now))} ago: ${stats.lastErrorAction?.message}`
      : `${messages(stats.messages)} through the rules, ${stats.sentToErrorAction} to ${QUEUES.ruleErrors}`,
    metrics,
  };
}

function trackedHealth(name: string, tracker: OutcomeTracker, label: string): ComponentHealth {
  return { name, status: tracker.status(), detail: tracker.problem() ?? label, metrics: tracker.metrics() };
}

async function queuesHealth({ queues }: HealthSources): Promise<ComponentHealth> {
  let deadLetters: number;
  let ruleErrors: number;
  try {
    [deadLetters, ruleErrors] = await Promise.all([
      queues.count(QUEUES.deadLetter),
      queues.count(QUEUES.ruleErrors),
    ]);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { name: "queues", status: "down", detail: `the queues cannot be read: ${message}`, metrics: {} };
  }
  const component = trackedHealth(
    "queues",
    queues.sends,
    `${QUEUES.deadLetter}: ${deadLetters}, ${QUEUES.ruleErrors}: ${ruleErrors}`,
  );
  return { ...component, metrics: { ...component.metrics, deadLetters, ruleErrors } };
}

async function alarmsHealth({ alarms, now }: HealthSources): Promise<ComponentHealth> {
  const sweep = alarms.lastSweep;
  const { failures } = alarms;
  const recent =
    failures.last !== undefined && now - failures.last.at < RECENT_MS ? failures.last : undefined;
  const metrics = {
    effectsRetried: failures.retried,
    effectsGivenUp: failures.givenUp,
    lastSweepAt: sweep?.at ?? null,
    lastSweepExpired: sweep?.outcome?.expired ?? 0,
    lastSweepSettled: sweep?.outcome?.settled ?? 0,
  };
  let owing: AlarmState[];
  try {
    owing = await alarms.owing();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { name: "alarms", status: "down", detail: `the alarm states cannot be read: ${message}`, metrics };
  }
  const oldest = owing[0]?.owingSince;
  const waited = oldest === undefined ? 0 : now - oldest;
  const owed = owing.reduce((sum, state) => sum + (state.outbox?.length ?? 0), 0);
  const detail = sweep?.error
    ? `the last sweep failed: ${sweep.error}`
    : recent
      ? `${recent.effect} to ${recent.thing} ${recent.outcome === "given up" ? "was refused and given up" : "failed and is owed"}: ${recent.message}`
      : owing.length === 0
        ? "no effect owed"
        : `${owed} effect${owed === 1 ? "" : "s"} owed by ${owing.length} alarm state${owing.length === 1 ? "" : "s"}, the oldest for ${seconds(waited)}; retried by the sweep (the log says why they failed)`;
  return {
    name: "alarms",
    status: sweep?.error || recent || waited > OWED_TOO_LONG_MS ? "degraded" : "ok",
    detail,
    metrics: { ...metrics, owingStates: owing.length, owedEffects: owed, oldestOwedMs: waited },
  };
}

/** The rules' Lambda actions: invocations queued and running, and those given up on. */
function functionsHealth({ functions }: HealthSources): ComponentHealth {
  const { invoked, failed, sentToOnFailure, queued, running } = functions;
  return {
    name: "functions",
    status: sentToOnFailure > 0 ? "degraded" : "ok",
    detail:
      sentToOnFailure > 0
        ? `${sentToOnFailure} asynchronous invocation${sentToOnFailure === 1 ? "" : "s"} failed every retry and went to ${QUEUES.deadLetter}`
        : `${running} running, ${queued} queued`,
    metrics: { invoked, failed, sentToOnFailure, queued, running },
  };
}

/** IoT Jobs: the jobs in progress and their executions; degraded for a minute after a rollout step failed. */
function jobsHealth({ jobs, now }: HealthSources): ComponentHealth {
  const active = jobs.store.allJobs().filter((job) => job.status === "IN_PROGRESS");
  let queued = 0;
  let inProgress = 0;
  let waiting = 0;
  for (const job of active) {
    waiting += job.things.length - job.rolledOut;
    for (const execution of jobs.store.latestOfJob(job.jobId)) {
      if (execution.status === "QUEUED") queued += 1;
      if (execution.status === "IN_PROGRESS") inProgress += 1;
    }
  }
  const metrics = {
    jobsInProgress: active.length,
    executionsQueued: queued,
    executionsInProgress: inProgress,
    thingsNotYetNotified: waiting,
    requests: jobs.stats.requests,
    rejected: jobs.stats.rejected,
  };
  const failed = jobs.stats.lastTickError;
  if (failed && now - failed.at < RECENT_MS)
    return { name: "jobs", status: "degraded", detail: `a rollout step failed: ${failed.message}`, metrics };
  const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;
  return {
    name: "jobs",
    status: "ok",
    detail:
      active.length === 0
        ? "no job in progress"
        : `${plural(active.length, "job")} in progress: ${queued} queued, ${inProgress} in progress, ${waiting} still to notify`,
    metrics,
  };
}

/** Fleet provisioning by claim: certificates made, things registered, requests refused by reason. */
function provisioningHealth({ provisioning }: HealthSources): ComponentHealth {
  const { certificatesCreated, thingsProvisioned, expiredCertificatesDeleted, refused } = provisioning.counts;
  const total = Object.values(refused).reduce((sum, n) => sum + n, 0);
  const reasons = Object.entries(refused).filter(([, n]) => n > 0);
  return {
    name: "provisioning",
    status: "ok",
    detail: `${thingsProvisioned} thing(s) provisioned from claims, ${total} request(s) refused${reasons.length > 0 ? ` (${reasons.map(([r, n]) => `${r} ${n}`).join(", ")})` : ""}`,
    metrics: {
      certificatesCreated,
      thingsProvisioned,
      expiredCertificatesDeleted,
      refused: total,
      ...Object.fromEntries(Object.entries(refused).map(([reason, n]) => [`refused.${reason}`, n])),
    },
  };
}

function runtimeComponent({ startedAt, previousRun }: HealthSources): ComponentHealth {
  return {
    name: "runtime",
    status: "ok",
    detail: previousRun
      ? `recovered: the run started ${new Date(previousRun.startedAt).toISOString()} (PID ${previousRun.pid}) did not stop cleanly; every stream resumed from its checkpoint`
      : `running since ${new Date(startedAt).toISOString()}`,
    metrics: {
      startedAt,
      recoveredFromUncleanStop: previousRun !== undefined,
      previousRunStartedAt: previousRun?.startedAt ?? null,
    },
  };
}

/** Every component of the local pipeline, as `GET /api/health` answers. */
export async function runtimeHealth(sources: HealthSources): Promise<HealthReport> {
  const components = [
    brokerHealth(sources),
    rulesHealth(sources),
    ...sources.eventSources.health(),
    functionsHealth(sources),
    trackedHealth("store", sources.store, sources.storeLabel),
    await queuesHealth(sources),
    await alarmsHealth(sources),
    jobsHealth(sources),
    provisioningHealth(sources),
    runtimeComponent(sources),
  ];
  return healthReport(components, sources.now);
}
