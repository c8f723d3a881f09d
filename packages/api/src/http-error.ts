import { httpStatusOf, isFleetlineError } from "@fleetline/core/common";

/** An API error: a status, a stable code and a message naming what was wrong. */
export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const badParameter = (name: string, message: string) =>
  new HttpError(400, "INVALID_PARAMETER", `${name}: ${message}`);

/** Maps any error to a status and a JSON body; unexpected ones never leak a stack. */
export function errorResponse(error: unknown): {
  status: number;
  body: { error: { code: string; message: string } };
} {
  if (error instanceof HttpError)
    return { status: error.status, body: { error: { code: error.code, message: error.message } } };
  // The catalogue's status: 4xx for what the request did wrong, 503 for an outage worth retrying,
  // 500 for a fault in Fleetline's own configuration (docs/reference/errors.md).
  if (isFleetlineError(error)) {
    return { status: httpStatusOf(error), body: { error: { code: error.code, message: error.message } } };
  }
  return {
    status: 500,
    body: { error: { code: "INTERNAL", message: "internal error; see the fleetline log" } },
  };
}
