import type { ControlPlaneError } from "@fleetline/core/aws";

/** A refusal of the control plane: its AWS error type and message. */
export class ControlPlaneFailure extends Error {
  constructor(readonly error: ControlPlaneError) {
    super(error.message);
  }
}

export const fail = (type: ControlPlaneError["type"], message: string): never => {
  throw new ControlPlaneFailure({ type, message });
};

/** The control plane's times are seconds since the epoch, fractions allowed. */
export const at = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

/** A page of `items` from `nextToken` (an offset this API handed out). */
export function page<T>(items: T[], maxResults: number | undefined, nextToken: string | undefined) {
  const size = maxResults ?? 100;
  if (!Number.isInteger(size) || size < 1 || size > 250)
    fail("InvalidRequestException", "maxResults must be 1 to 250");
  const start = nextToken === undefined ? 0 : Number(nextToken);
  if (!Number.isInteger(start) || start < 0)
    fail("InvalidRequestException", "nextToken is not one this API handed out");
  const slice = items.slice(start, start + size);
  return { items: slice, nextToken: start + size < items.length ? String(start + size) : undefined };
}
