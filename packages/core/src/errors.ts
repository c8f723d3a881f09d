/**
 * Fleetline's error catalogue. Every error carries a stable `code`, a `name` and, where it wraps
 * another, a `cause`. Poison errors concern the data (quarantine it, never retry); transient errors
 * concern the infrastructure (throw, so the event source retries the batch). `docs/errors.md`
 * documents each code and a test keeps the two in sync.
 */
export const ERROR_CATALOGUE = {
  CONFIG_INVALID: { kind: "poison", summary: "a required setting is missing or malformed" },
  RECORD_INVALID: { kind: "poison", summary: "a record on a stream does not match its schema" },
  REQUEST_INVALID: {
    kind: "poison",
    summary: "a service refused a request for what it contains, e.g. a malformed shadow document",
  },
  NOT_FOUND: { kind: "poison", summary: "the thing, shadow, alert or command does not exist" },
  CONFLICT: {
    kind: "poison",
    summary: "a conditional write lost: version mismatch or the item already exists",
  },
  PAYLOAD_TOO_LARGE: { kind: "poison", summary: "a document exceeds a service limit" },
  STREAM_WRITE_FAILED: { kind: "transient", summary: "records could not be put on a stream after retries" },
  STORE_UNAVAILABLE: { kind: "transient", summary: "a store could not be read or written" },
  PUBLISH_FAILED: { kind: "transient", summary: "a message could not be published to MQTT or SNS" },
  THROTTLED: { kind: "transient", summary: "a service asked us to slow down" },
} as const satisfies Record<string, { kind: ErrorKind; summary: string }>;

export type ErrorKind = "poison" | "transient";
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class FleetlineError extends Error {
  override readonly name: string = "FleetlineError";
  readonly code: ErrorCode;
  readonly kind: ErrorKind;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.kind = ERROR_CATALOGUE[code].kind;
  }
}

/** Bad data: quarantine or report it; retrying cannot help. */
export class PoisonError extends FleetlineError {
  override readonly name = "PoisonError";
}

/** Infrastructure trouble: let the caller (or the event source) retry. */
export class TransientError extends FleetlineError {
  override readonly name = "TransientError";
}

/** Builds the right class for a code, so callers cannot pair a code with the wrong kind. */
export function fleetlineError(code: ErrorCode, message: string, cause?: unknown): FleetlineError {
  const options = cause === undefined ? undefined : { cause };
  return ERROR_CATALOGUE[code].kind === "poison"
    ? new PoisonError(code, message, options)
    : new TransientError(code, message, options);
}

/** Unknown errors count as transient: a handler must not quarantine data for an outage. */
export function isTransient(error: unknown): boolean {
  return !(error instanceof FleetlineError) || error.kind === "transient";
}
