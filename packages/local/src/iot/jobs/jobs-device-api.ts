import {
  applyUpdate,
  clientTokenOf,
  executionData,
  executionState,
  executionSummary,
  type JobExecutionRecord,
  type JobsRejection,
  type JsonObject,
  nextExecution,
  parseDescribe,
  parseJobsPayload,
  parseJobsTopic,
  parseStartNext,
  parseUpdate,
  pendingExecutions,
  rejectedDocument,
  seconds,
  TERMINAL_STATUSES,
} from "@fleetline/core/aws";
import type { JobsService } from "./jobs-service.js";

/** The answer to one request: the topic it goes on (`…/accepted` or `…/rejected`) and the document. */
export interface JobsReply {
  topic: string;
  document: JsonObject;
  accepted: boolean;
}

class Rejected extends Error {
  constructor(readonly rejection: JobsRejection) {
    super(rejection.message);
  }
}

const reject = (rejection: JobsRejection): never => {
  throw new Rejected(rejection);
};

function unwrap<T>(parsed: { ok: true; value: T } | { ok: false; rejection: JobsRejection }): T {
  if (!parsed.ok) return reject(parsed.rejection);
  return parsed.value;
}

/**
 * Serves the Jobs device API on `$aws/things/{thing}/jobs/…` (docs/guide/jobs.md): `get`,
 * `start-next`, `{jobId}/get` (`$next` for the next one) and `{jobId}/update`, each answered on the
 * request's topic + `/accepted` or `/rejected` with AWS's documents. `undefined` for a topic that is
 * no request (a reply, a notification, another service's).
 */
export async function handleJobsRequest(
  service: JobsService,
  topic: string,
  payload: Uint8Array,
): Promise<JobsReply | undefined> {
  const parsed = parseJobsTopic(topic);
  if (!parsed) return undefined;
  service.stats.requests += 1;
  const body = parseJobsPayload(payload);
  const clientToken = body.ok ? clientTokenOf(body.value) : undefined;
  const reply = (accepted: boolean, document: JsonObject): JobsReply => ({
    topic: `${topic}/${accepted ? "accepted" : "rejected"}`,
    document,
    accepted,
  });
  try {
    if (!parsed.operation)
      reject({ code: "InvalidTopic", message: `${topic} is no request of the Jobs API` });
    const request = unwrap(body);
    const { thing } = parsed;
    const operation = parsed.operation as NonNullable<typeof parsed.operation>;
    const document = await service.serial(async () => {
      switch (operation.kind) {
        case "get":
          return pending(service, thing);
        case "start-next":
          return startNext(service, thing, request);
        case "describe":
          return describe(service, thing, operation.jobId, request);
        case "update":
          return update(service, thing, operation.jobId, request);
      }
    });
    return reply(true, { ...document, ...(clientToken === undefined ? {} : { clientToken }) });
  } catch (error) {
    service.stats.rejected += 1;
    const rejection: JobsRejection =
      error instanceof Rejected
        ? error.rejection
        : { code: "InternalError", message: "Internal service failure" };
    return reply(false, rejectedDocument(rejection, clientToken, service.clock.now()));
  }
}

function pending(service: JobsService, thing: string): JsonObject {
  const { inProgress, queued } = pendingExecutions(service.store.latestOfThing(thing));
  return {
    inProgressJobs: inProgress.map(executionSummary),
    queuedJobs: queued.map(executionSummary),
    timestamp: seconds(service.clock.now()),
  };
}

const documentOf = (service: JobsService, execution: JobExecutionRecord) =>
  service.store.job(execution.jobId)?.document;

async function startNext(
  service: JobsService,
  thing: string,
  request: Record<string, unknown>,
): Promise<JsonObject> {
  const { statusDetails, stepTimeoutInMinutes } = unwrap(parseStartNext(request));
  const now = service.clock.now();
  let next = nextExecution(service.store.latestOfThing(thing));
  if (next && (next.status === "QUEUED" || statusDetails || stepTimeoutInMinutes !== undefined)) {
    const started = unwrap(
      applyUpdate(
        next,
        { status: "IN_PROGRESS", statusDetails, stepTimeoutInMinutes },
        now,
        service.store.job(next.jobId)?.inProgressTimeoutInMinutes,
      ),
    );
    await service.change((changes) => changes.putExecution(started));
    next = started;
  }
  return {
    ...(next ? { execution: executionData(next, documentOf(service, next), now) } : {}),
    timestamp: seconds(now),
  };
}

function find(
  service: JobsService,
  thing: string,
  jobId: string,
  executionNumber: number | undefined,
): JobExecutionRecord {
  const found =
    jobId === "$next"
      ? nextExecution(service.store.latestOfThing(thing))
      : executionNumber === undefined
        ? service.store.latest(jobId, thing)
        : service.store.executionsOf(jobId, thing).find((e) => e.executionNumber === executionNumber);
  if (!found)
    return reject({
      code: "ResourceNotFound",
      message:
        jobId === "$next"
          ? `${thing} has no pending job execution`
          : `no execution of job ${jobId} on ${thing}${executionNumber === undefined ? "" : ` numbered ${executionNumber}`}`,
    });
  return found;
}

function describe(
  service: JobsService,
  thing: string,
  jobId: string,
  request: Record<string, unknown>,
): JsonObject {
  const { executionNumber, includeJobDocument } = unwrap(parseDescribe(request));
  const execution = find(service, thing, jobId, executionNumber);
  if (TERMINAL_STATUSES.has(execution.status))
    reject({
      code: "TerminalStateReached",
      message: `the execution of job ${execution.jobId} on ${thing} has ended (${execution.status})`,
    });
  const now = service.clock.now();
  return {
    execution: executionData(execution, includeJobDocument ? documentOf(service, execution) : undefined, now),
    timestamp: seconds(now),
  };
}

async function update(
  service: JobsService,
  thing: string,
  jobId: string,
  request: Record<string, unknown>,
): Promise<JsonObject> {
  const parsed = unwrap(parseUpdate(request));
  const execution = find(service, thing, jobId, parsed.executionNumber);
  const now = service.clock.now();
  const updated = unwrap(
    applyUpdate(execution, parsed, now, service.store.job(jobId)?.inProgressTimeoutInMinutes),
  );
  await service.change((changes) => changes.putExecution(updated));
  const document = service.store.job(jobId)?.document;
  return {
    ...(parsed.includeJobExecutionState ? { executionState: executionState(updated) } : {}),
    ...(parsed.includeJobDocument && document !== undefined
      ? { jobDocument: JSON.parse(document) as JsonObject }
      : {}),
    timestamp: seconds(now),
  };
}
