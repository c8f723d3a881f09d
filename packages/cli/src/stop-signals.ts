/** What a long-running command (`dev`, `simulate`) waits on: the first SIGINT or SIGTERM. */
export interface StopSignals {
  /** Resolves with the first signal. */
  readonly first: Promise<NodeJS.Signals>;
  /** Hands the signals back to Node's default, for a command that ends without one. */
  dispose(): void;
}

/**
 * Listens for SIGINT and SIGTERM from the moment it is called: a command calls it before it starts
 * anything, so a Ctrl-C that comes while it starts (or right after it says it is ready) stops it
 * the same clean way, never by Node's default of exiting on the spot. A second signal calls
 * `onSecond`, which usually exits at once. One listener stays for both: removing it between them
 * would hand the signal back to the default for a moment.
 */
export function stopSignals(onSecond: (signal: NodeJS.Signals) => void): StopSignals {
  let first: NodeJS.Signals | undefined;
  let resolveFirst: (signal: NodeJS.Signals) => void = () => undefined;
  const firstSignal = new Promise<NodeJS.Signals>((resolve) => {
    resolveFirst = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (first !== undefined) return onSecond(signal);
    first = signal;
    resolveFirst(signal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    first: firstSignal,
    dispose: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/** The exit code of a process a signal stopped, as a shell reports it: 128 + the signal's number. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === "SIGINT" ? 130 : 143;
}
