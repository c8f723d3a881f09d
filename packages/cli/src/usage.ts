/** A mistake in how the command was called: one line on stderr, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;
