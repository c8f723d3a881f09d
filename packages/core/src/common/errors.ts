/**
 * Fleetline's error catalogue. Every error carries a stable `code`, a `name` and, where it wraps
 * another, a `cause`. The kind decides what happens next (`docs/reference/errors.md`, which a test keeps in
 * sync with this table):
 * - **poison**: the data or the request is at fault. Quarantine it, answer 4xx, never retry.
 * - **transient**: the infrastructure is at fault. Throw, so the event source (or the caller)
 *   retries; an API request answers 503.
 * - **fatal**: Fleetline itself cannot run as configured. Stop: the process exits with one line,
 *   a Lambda invocation fails whole; an API request answers 500.
 */
export const ERROR_CATALOGUE = {
  CONFIG_INVALID: { kind: "fatal", status: 500, summary: "a required setting is missing or malformed" },
  RULE_INVALID: { kind: "fatal", status: 500, summary: "an IoT rule's SQL or action cannot be loaded" },
  PORT_IN_USE: { kind: "fatal", status: 500, summary: "a listening port is taken or needs privileges" },
  STARTUP_FAILED: {
    kind: "fatal",
    status: 500,
    summary: "the runtime cannot start: its data dir is unwritable or in use",
  },
  RECORD_INVALID: { kind: "poison", status: 400, summary: "a record on a stream does not match its schema" },
  REQUEST_INVALID: {
    kind: "poison",
    status: 400,
    summary: "a request is malformed: a bad thing name, metric, cursor or shadow document",
  },
  NOT_FOUND: { kind: "poison", status: 404, summary: "the thing, shadow, alert or command does not exist" },
  CONFLICT: {
    kind: "poison",
    status: 409,
    summary:
      "the request contradicts the stored state: a version mismatch, an existing item, a cleared alert",
  },
  PAYLOAD_TOO_LARGE: { kind: "poison", status: 413, summary: "a document exceeds a service limit" },
  CONCURRENT_UPDATE: {
    kind: "transient",
    status: 503,
    summary: "a compare-and-set write lost to another writer; reading again and retrying succeeds",
  },
  STREAM_WRITE_FAILED: {
    kind: "transient",
    status: 503,
    summary: "records could not be put on a stream after retries",
  },
  STORE_UNAVAILABLE: { kind: "transient", status: 503, summary: "a store could not be read or written" },
  PUBLISH_FAILED: {
    kind: "transient",
    status: 503,
    summary: "a message could not be published to MQTT or SNS",
  },
  THROTTLED: { kind: "transient", status: 429, summary: "a service asked us to slow down" },
} as const satisfies Record<string, { kind: ErrorKind; status: number; summary: string }>;

export type ErrorKind = "poison" | "transient" | "fatal";
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/**
 * Marks Fleetline's errors across copies of this module: `fleetline dev --watch` loads a rebuilt
 * copy of the functions (and of this file) beside the runtime's, and an adapter's error must keep
 * its kind when the other copy judges it.
 */
const FLEETLINE_ERROR = Symbol.for("fleetline.error");

export class FleetlineError extends Error {
  override readonly name: string = "FleetlineError";
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly [FLEETLINE_ERROR] = true;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.kind = ERROR_CATALOGUE[code].kind;
  }
}

/** A Fleetline error, from this copy of the module or another (see FLEETLINE_ERROR). */
export function isFleetlineError(error: unknown): error is FleetlineError {
  if (error instanceof FleetlineError) return true;
  const branded = error as Partial<FleetlineError> & { [FLEETLINE_ERROR]?: boolean };
  return (
    error instanceof Error &&
    branded[FLEETLINE_ERROR] === true &&
    typeof branded.code === "string" &&
    Object.hasOwn(ERROR_CATALOGUE, branded.code)
  );
}

/** Bad data: quarantine or report it; retrying cannot help. */
export class PoisonError extends FleetlineError {
  override readonly name: string = "PoisonError";
}

/** Infrastructure trouble: let the caller (or the event source) retry. */
export class TransientError extends FleetlineError {
  override readonly name: string = "TransientError";
}

/** Fleetline cannot run as configured: stop and say why in one line. */
export class FatalError extends FleetlineError {
  override readonly name: string = "FatalError";
}

/** Builds the right class for a code, so callers cannot pair a code with the wrong kind. */
export function fleetlineError(code: ErrorCode, message: string, cause?: unknown): FleetlineError {
  const options = cause === undefined ? undefined : { cause };
  const kind = ERROR_CATALOGUE[code].kind;
  if (kind === "poison") return new PoisonError(code, message, options);
  if (kind === "fatal") return new FatalError(code, message, options);
  return new TransientError(code, message, options);
}

/** The kind of any error: errors that are not Fleetline's count as transient, so data is never quarantined for an outage. */
export function errorKind(error: unknown): ErrorKind {
  return isFleetlineError(error) ? ERROR_CATALOGUE[error.code].kind : "transient";
}

export function isTransient(error: unknown): boolean {
  return errorKind(error) === "transient";
}

/**
 * What a stream consumer does with a record that failed with `error` (docs/reference/errors.md): retry it
 * (the event source tries again, then dead-letters), dead-letter it now (retrying cannot help), or
 * fail the whole invocation (nothing can succeed until the configuration is fixed).
 */
export function recordDisposition(error: unknown): "retry" | "dead-letter" | "fail-invocation" {
  const kind = errorKind(error);
  if (kind === "poison") return "dead-letter";
  if (kind === "fatal") return "fail-invocation";
  return "retry";
}

/** The HTTP status an API answers for an error: the code's, or 500 for anything unexpected. */
export function httpStatusOf(error: unknown): number {
  return isFleetlineError(error) ? ERROR_CATALOGUE[error.code].status : 500;
}
