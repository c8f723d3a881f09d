/**
 * Holds for `ms`: a delay that is part of what a test simulates — a slow handler's work, a
 * device's interval between reports, a debugger pause or a run of traffic kept on purpose. Never a
 * wait for a result: a test waits for that with `waitFor` (a condition) or `settle` (an idle
 * pipeline), and `no-fixed-sleeps.test.ts` keeps raw timers out of the tests.
 */
export function hold(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
