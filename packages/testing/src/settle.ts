import type { HealthReport } from "@fleetline/core/pipeline";

/**
 * Waits until `probe` says idle and reports the same state `quietReads` times in a row: how a
 * test knows nothing more is coming before it asserts that something did not happen.
 */
export async function waitForQuiet(
  probe: () => Promise<{ idle: boolean; state: unknown }>,
  what: string,
  { timeoutMs = 20_000, quietReads = 3, intervalMs = 50 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string | undefined;
  let quiet = 0;
  for (;;) {
    const { idle, state } = await probe();
    const now = JSON.stringify(state);
    quiet = idle && now === last ? quiet + 1 : 0;
    last = now;
    if (quiet >= quietReads - 1 && idle) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${now})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Waits for a running pipeline (`fleetline dev`, or a runtime in the test) to be idle, read
 * through its API: no event source behind, no message held by the rules, nothing queued for a
 * function, and `/api/stats` and the event sources' figures unchanged across reads.
 */
export async function settle(
  http: string,
  { headers = {}, timeoutMs = 20_000 }: { headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<void> {
  const get = async <T>(path: string) => (await (await fetch(`${http}${path}`, { headers })).json()) as T;
  await waitForQuiet(
    async () => {
      const [health, stats] = await Promise.all([
        get<HealthReport>("/api/health"),
        get<unknown>("/api/stats"),
      ]);
      const figures = health.components.map(({ name, metrics }) => ({ name, metrics }));
      const busy = health.components.some(
        ({ name, metrics }) =>
          (name.startsWith("eventSource:") && metrics.recordsBehind !== 0) ||
          (name === "rules" && Number(metrics.held ?? 0) > 0) ||
          (name === "functions" && Number(metrics.queued) + Number(metrics.running) > 0),
      );
      // Ages and times move on their own; what was done is what must stand still.
      const done = figures.map(({ name, metrics }) => ({
        name,
        ...Object.fromEntries(Object.entries(metrics).filter(([key]) => !/age|since|at$/i.test(key))),
      }));
      return { idle: !busy, state: { stats, done } };
    },
    "the pipeline to settle",
    { timeoutMs, intervalMs: 100 },
  );
}
