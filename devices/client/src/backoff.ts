export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000 };

/**
 * Exponential backoff with jitter: attempt n waits between half and all of min(max, initial·2ⁿ),
 * so a fleet that lost the broker together does not come back together.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
