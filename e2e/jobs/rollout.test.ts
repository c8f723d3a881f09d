import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runRollout } from "../../packages/cli/src/bench/rollout.js";
import { type DevProcess, startDev } from "../../packages/cli/test/dev-process.js";

let dev: DevProcess;

beforeAll(async () => {
  dev = await startDev(["--in-memory"]);
}, 60_000);

afterAll(async () => {
  await dev?.stop();
});

describe("a firmware rollout to 1,000 simulated robots", () => {
  it("notifies them at maximumPerMinute, aborts as abortConfig says and notifies none after", async () => {
    // 10 % of updates fail: more than the 5 % the job tolerates once 100 ended.
    const result = await runRollout(dev.http, {
      robots: 1_000,
      ratePerMinute: 300,
      failureRate: 0.1,
      abort: { afterEnded: 100, thresholdPercentage: 5 },
      seed: "e2e",
    });
    expect(result).toMatchObject({ status: "CANCELED", reasonCode: "ABORT_CRITERIA_MET" });
    expect(result.comment).toMatch(/^aborted by abortConfig: \d+ of \d+ ended executions are FAILED/);
    const { counts } = result;
    const ended = (counts.numberOfSucceededThings ?? 0) + (counts.numberOfFailedThings ?? 0);
    expect(ended).toBeGreaterThanOrEqual(100);
    expect((counts.numberOfFailedThings ?? 0) / ended).toBeGreaterThanOrEqual(0.05);
    // At 300 a minute — the first at once, then 5 a second — for as long as the job ran.
    const allowed = 1 + (300 * result.tookMs) / 60_000;
    expect(result.executions).toBeGreaterThanOrEqual(Math.floor(allowed * 0.9));
    expect(result.executions).toBeLessThanOrEqual(Math.ceil(allowed * 1.1));
    expect(result.executions).toBeLessThan(1_000);
    expect(counts.numberOfQueuedThings).toBe(0);

    // Those in progress at the abort ran to their end; none was created after it.
    expect(result.finally.IN_PROGRESS ?? 0).toBe(0);
    expect(result.finally.QUEUED ?? 0).toBe(0);
    expect(Object.values(result.finally).reduce((sum, n) => sum + n, 0)).toBe(result.executions);
  }, 300_000);
});
