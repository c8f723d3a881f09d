import { FleetlineError } from "@fleetline/core";

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

const STATUS_OF_CODE: Record<string, number> = {
  CONFIG_INVALID: 400,
  RECORD_INVALID: 400,
  REQUEST_INVALID: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  THROTTLED: 429,
};

/** Maps any error to a status and a JSON body; unexpected ones never leak a stack. */
export function errorResponse(error: unknown): {
  status: number;
  body: { error: { code: string; message: string } };
} {
  if (error instanceof HttpError)
    return { status: error.status, body: { error: { code: error.code, message: error.message } } };
  if (error instanceof FleetlineError) {
    const status = STATUS_OF_CODE[error.code] ?? 503;
    return { status, body: { error: { code: error.code, message: error.message } } };
  }
  return {
    status: 500,
    body: { error: { code: "INTERNAL", message: "internal error; see the fleetline log" } },
  };
}
