import { initialRate } from "./job-rollout.js";
import {
  type AbortCriteria,
  JOB_ID_PATTERN,
  type JobRecord,
  MAX_JOB_DOCUMENT_BYTES,
  type RetryCriteria,
  type RolloutConfig,
} from "./job-types.js";

/** A refusal of the IoT control plane, as the AWS SDK names it (the `x-amzn-ErrorType` header). */
export interface ControlPlaneError {
  type:
    | "InvalidRequestException"
    | "ResourceNotFoundException"
    | "ResourceAlreadyExistsException"
    | "InvalidStateTransitionException"
    | "VersionConflictException"
    | "LimitExceededException";
  message: string;
}

export const controlPlaneStatus: Record<ControlPlaneError["type"], number> = {
  InvalidRequestException: 400,
  ResourceNotFoundException: 404,
  ResourceAlreadyExistsException: 409,
  InvalidStateTransitionException: 409,
  VersionConflictException: 409,
  LimitExceededException: 410,
};

type Checked<T> = { ok: true; value: T } | { ok: false; error: ControlPlaneError };
const invalid = (message: string): { ok: false; error: ControlPlaneError } => ({
  ok: false,
  error: { type: "InvalidRequestException", message },
});

/** A job's target: a thing, or a thing group (every thing in it). */
export interface JobTarget {
  kind: "thing" | "group";
  name: string;
}

/** AWS IoT's quota: a job names at most 100 targets, things and thing groups together. */
export const MAX_JOB_TARGETS = 100;

/** What a target ARN names (`…:thing/{name}` or `…:thinggroup/{name}`), or why it names neither. */
export function parseTarget(arn: string): Checked<JobTarget> {
  const match = /^arn:aws[\w-]*:iot:[\w-]+:\d{12}:(thing|thinggroup)\/([a-zA-Z0-9:_-]{1,128})$/.exec(arn);
  if (!match)
    return invalid(
      `target ${arn} is not a thing or thing group ARN (arn:aws:iot:<region>:<account>:thing/<name>)`,
    );
  return { ok: true, value: { kind: match[1] === "thing" ? "thing" : "group", name: match[2] as string } };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const between = (value: unknown, min: number, max: number, integer = true): boolean =>
  typeof value === "number" && value >= min && value <= max && (!integer || Number.isInteger(value));

function rolloutOf(value: unknown): Checked<RolloutConfig | undefined> {
  if (value === undefined) return { ok: true, value: undefined };
  if (!isObject(value)) return invalid("jobExecutionsRolloutConfig must be an object");
  const { maximumPerMinute, exponentialRate } = value;
  if (maximumPerMinute !== undefined && !between(maximumPerMinute, 1, 1000))
    return invalid("jobExecutionsRolloutConfig.maximumPerMinute must be a whole number from 1 to 1000");
  if (exponentialRate !== undefined) {
    if (!isObject(exponentialRate)) return invalid("exponentialRate must be an object");
    const { baseRatePerMinute, incrementFactor, rateIncreaseCriteria } = exponentialRate;
    if (!between(baseRatePerMinute, 1, 1000))
      return invalid("exponentialRate.baseRatePerMinute must be a whole number from 1 to 1000");
    if (!between(incrementFactor, 1.1, 5, false))
      return invalid("exponentialRate.incrementFactor must be from 1.1 to 5");
    if (!isObject(rateIncreaseCriteria)) return invalid("exponentialRate.rateIncreaseCriteria is required");
    const { numberOfNotifiedThings, numberOfSucceededThings } = rateIncreaseCriteria;
    if (
      (numberOfNotifiedThings === undefined) === (numberOfSucceededThings === undefined) ||
      (numberOfNotifiedThings !== undefined && !between(numberOfNotifiedThings, 1, 10_000)) ||
      (numberOfSucceededThings !== undefined && !between(numberOfSucceededThings, 1, 10_000))
    )
      return invalid(
        "rateIncreaseCriteria takes one of numberOfNotifiedThings or numberOfSucceededThings, a whole number from 1 to 10000",
      );
  }
  return { ok: true, value: value as RolloutConfig };
}

function abortOf(value: unknown): Checked<AbortCriteria[] | undefined> {
  if (value === undefined) return { ok: true, value: undefined };
  const list = isObject(value) ? value.criteriaList : undefined;
  if (!Array.isArray(list) || list.length === 0)
    return invalid("abortConfig.criteriaList must list criteria");
  for (const criterion of list) {
    if (
      !isObject(criterion) ||
      !["FAILED", "REJECTED", "TIMED_OUT", "ALL"].includes(criterion.failureType as string) ||
      criterion.action !== "CANCEL" ||
      !between(criterion.thresholdPercentage, 0, 100, false) ||
      !between(criterion.minNumberOfExecutedThings, 1, Number.MAX_SAFE_INTEGER)
    )
      return invalid(
        "each abort criterion needs failureType FAILED|REJECTED|TIMED_OUT|ALL, action CANCEL, thresholdPercentage up to 100 and minNumberOfExecutedThings of at least 1",
      );
  }
  return { ok: true, value: list as AbortCriteria[] };
}

function retryOf(value: unknown): Checked<RetryCriteria[] | undefined> {
  if (value === undefined) return { ok: true, value: undefined };
  const list = isObject(value) ? value.criteriaList : undefined;
  if (!Array.isArray(list) || list.length === 0 || list.length > 2)
    return invalid("jobExecutionsRetryConfig.criteriaList must list one or two criteria");
  for (const criterion of list)
    if (
      !isObject(criterion) ||
      !["FAILED", "TIMED_OUT", "ALL"].includes(criterion.failureType as string) ||
      !between(criterion.numberOfRetries, 0, 10)
    )
      return invalid(
        "each retry criterion needs failureType FAILED|TIMED_OUT|ALL and numberOfRetries 0 to 10",
      );
  return { ok: true, value: list as RetryCriteria[] };
}

/**
 * A CreateJob request checked as AWS IoT checks it: the job id, targets, a JSON document of at most
 * 32 KB, the rollout, abort, timeout and retry configs. `things` are the thing names the targets
 * name, in order (the caller checks that they exist). A document only by `documentSource` (an S3
 * URL) is refused: the local runtime has no S3.
 */
export function checkCreateJob(
  jobId: string,
  body: Record<string, unknown>,
  now: number,
  arnOf: (jobId: string) => string,
  /** A thing group's things, in order; undefined for no such group. */
  membersOf: (group: string) => readonly string[] | undefined = () => undefined,
): Checked<JobRecord> {
  if (!JOB_ID_PATTERN.test(jobId)) return invalid("jobId must be 1 to 64 of [a-zA-Z0-9_-]");
  const { targets, document, description, targetSelection, timeoutConfig } = body;
  if (!Array.isArray(targets) || targets.length === 0 || !targets.every((t) => typeof t === "string"))
    return invalid("targets must list at least one thing ARN");
  if (body.documentSource !== undefined && document === undefined)
    return invalid("documentSource (a job document in S3) is not served locally: give the document itself");
  if (typeof document !== "string") return invalid("document is required: the job document, as JSON text");
  const bytes = new TextEncoder().encode(document).length;
  if (bytes > MAX_JOB_DOCUMENT_BYTES)
    return invalid(
      `document is ${bytes} bytes; a job document is at most ${MAX_JOB_DOCUMENT_BYTES} bytes (32 KB)`,
    );
  try {
    if (!isObject(JSON.parse(document))) return invalid("document must be a JSON object");
  } catch {
    return invalid("document is not valid JSON");
  }
  if (description !== undefined && (typeof description !== "string" || description.length > 2028))
    return invalid("description must be text of at most 2028 characters");
  if (targetSelection !== undefined && targetSelection !== "SNAPSHOT" && targetSelection !== "CONTINUOUS")
    return invalid("targetSelection must be SNAPSHOT or CONTINUOUS");
  if (targets.length > MAX_JOB_TARGETS)
    return {
      ok: false,
      error: {
        type: "LimitExceededException",
        message: `a job has at most ${MAX_JOB_TARGETS} targets, things and thing groups together (got ${targets.length}): target a thing group for more things`,
      },
    };
  const things = new Set<string>();
  for (const arn of targets as string[]) {
    const target = parseTarget(arn);
    if (!target.ok) return target;
    if (target.value.kind === "thing") {
      things.add(target.value.name);
      continue;
    }
    const members = membersOf(target.value.name);
    if (members === undefined)
      return {
        ok: false,
        error: {
          type: "ResourceNotFoundException",
          message: `Thing group ${target.value.name} cannot be found.`,
        },
      };
    for (const thing of members) things.add(thing);
  }
  const rollout = rolloutOf(body.jobExecutionsRolloutConfig);
  if (!rollout.ok) return rollout;
  const abort = abortOf(body.abortConfig);
  if (!abort.ok) return abort;
  const retry = retryOf(body.jobExecutionsRetryConfig);
  if (!retry.ok) return retry;
  let inProgressTimeoutInMinutes: number | undefined;
  if (timeoutConfig !== undefined) {
    const minutes = isObject(timeoutConfig) ? timeoutConfig.inProgressTimeoutInMinutes : undefined;
    if (!between(minutes, 1, 10_080))
      return invalid("timeoutConfig.inProgressTimeoutInMinutes must be a whole number from 1 to 10080");
    inProgressTimeoutInMinutes = minutes as number;
  }
  const job: JobRecord = {
    jobId,
    jobArn: arnOf(jobId),
    document,
    targets: targets as string[],
    things: [...things],
    targetSelection: (targetSelection as JobRecord["targetSelection"] | undefined) ?? "SNAPSHOT",
    status: "IN_PROGRESS",
    createdAt: now,
    lastUpdatedAt: now,
    rolledOut: 0,
    ratePerMinute: 0,
    notifiedAtRateChange: 0,
    succeededAtRateChange: 0,
  };
  if (typeof description === "string") job.description = description;
  if (rollout.value) job.rollout = rollout.value;
  if (abort.value) job.abort = abort.value;
  if (retry.value) job.retry = retry.value;
  if (inProgressTimeoutInMinutes !== undefined) job.inProgressTimeoutInMinutes = inProgressTimeoutInMinutes;
  job.ratePerMinute = initialRate(job);
  return { ok: true, value: job };
}
